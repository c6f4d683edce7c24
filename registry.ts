import 'reflect-metadata';
import { ComponentRegistry } from './framework/registry/registry.ts';
import type { ComponentSpec } from './framework/registry/types.ts';
import { specs as models } from './components/models/index.ts';
import { specs as losses } from './components/losses/index.ts';
import { specs as samplers } from './components/samplers/index.ts';
import { specs as datasets } from './components/datasets/index.ts';
import { specs as metrics } from './components/metrics/index.ts';
import { specs as optim } from './components/optim/index.ts';
import { specs as callbacks } from './components/callbacks/index.ts';
import { specs as launchers } from './framework/sweep/index.ts';

/**
 * Every component untangle ships, by target name: one index per kind folder, each listing
 * everything under it (test/registration-folders.test.ts checks that none is left out). A paper's
 * config can only name what is registered here (or by a plugin calling `registry.register`).
 */
export const ALL_SPECS: readonly ComponentSpec[] = [
  ...models, ...losses, ...samplers, ...datasets, ...metrics, ...optim, ...callbacks, ...launchers,
];

/** The composition root's registry (bin/untangle.mjs hands it to the CLI). */
export function createRegistry(): ComponentRegistry {
  return new ComponentRegistry().registerAll(ALL_SPECS);
}
