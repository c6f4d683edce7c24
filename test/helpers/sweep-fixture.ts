import { join } from 'node:path';
import { ComponentRegistry } from '../../framework/registry/registry.ts';
import { ALL_SPECS } from '../../registry.ts';
import { specs as plugin } from './toy-plugin.ts';
import { TOY_CONFIG } from './toy-components.ts';
import { REPO } from './cli.ts';
import { writeTree } from './fixtures.ts';

/** The plugin module trials load in their own processes (UNTANGLE_PLUGINS). */
export const TOY_PLUGIN = join(REPO, 'test', 'helpers', 'toy-plugin.ts');
export const PLUGIN_ENV = { UNTANGLE_PLUGINS: TOY_PLUGIN };

/** The parent process's registry: the same components the trials see. */
export function sweepRegistry(): ComponentRegistry {
  return new ComponentRegistry().registerAll([...ALL_SPECS, ...plugin]);
}

/** A temp project with the toy config on FlakyAE (20 steps, cpu). */
export function sweepProject(extra: Record<string, string> = {}): string {
  return writeTree({ 'toy.yaml': TOY_CONFIG.replace('test.models.TinyAE', 'test.models.FlakyAE'), ...extra });
}
