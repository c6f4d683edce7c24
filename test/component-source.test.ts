import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRegistry } from '../registry.ts';
import { ComponentRegistry } from '../framework/registry/registry.ts';
import { defineComponent } from '../framework/registry/types.ts';
import { Instantiator } from '../framework/registry/instantiate.ts';
import { composeConfig } from '../framework/config/compose.ts';
import { ConfigError } from '../framework/config/issues.ts';
import { lsCommand } from '../framework/cli/commands/ls.ts';
import { parseArgs } from '../framework/cli/args.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const registry = createRegistry();

function where(source: string | undefined): { file: string; line: number } {
  const m = /^(.+):(\d+)$/.exec(source ?? '');
  if (!m) throw new Error(`not a file:line source: ${source}`);
  return { file: m[1], line: Number(m[2]) };
}

describe('every spec records its source file', () => {
  it('each registered spec points at the defineComponent call that declares its target', () => {
    const wrong: string[] = [];
    for (const spec of registry.list()) {
      const { file, line } = where(spec.source);
      const path = join(ROOT, file);
      if (!existsSync(path)) { wrong.push(`${spec.target}: ${spec.source} does not exist`); continue; }
      // The call starts on that line and names the target within the next few lines.
      const text = readFileSync(path, 'utf8').split('\n').slice(line - 1, line + 6).join('\n');
      if (!text.includes('defineComponent') || !text.includes(`'${spec.target}'`)) wrong.push(`${spec.target}: ${spec.source}`);
    }
    expect(wrong).toEqual([]);
    expect(registry.get('untangle.metrics.MIG')?.source).toMatch(/^components\/metrics\/mig\.ts:\d+$/);
  });

  it('a spec defined here records this test file and the line of its defineComponent call', () => {
    const line = Number(new Error().stack?.split('\n')[1].match(/:(\d+):\d+\)?$/)?.[1]) + 1;
    const spec = defineComponent({ target: 't.Here', kind: 'model', description: '', schema: {}, create: () => ({}) });
    expect(spec.source).toBe(`test/component-source.test.ts:${line}`);
  });

  it('a config error against a component\'s params names the component and its file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'src-'));
    writeFileSync(join(dir, 'run.yaml'), 'model: {target: untangle.models.BetaVAE, params: {latent_dimm: 3}}\nloss: {target: untangle.losses.BetaVAE}\ndata: {train: {target: untangle.datasets.DSprites}}\n');
    let err: unknown;
    try { composeConfig({ baseFiles: ['run.yaml'], overrides: [], registry, cwd: dir }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    const issue = (err as ConfigError).issues.find((i) => i.path === 'model.params.latent_dimm');
    expect(issue?.component).toBe(`untangle.models.BetaVAE (defined in ${registry.get('untangle.models.BetaVAE')?.source})`);
    expect((err as ConfigError).format()).toContain(`component: untangle.models.BetaVAE (defined in components/models/beta-vae.ts:`);
  });

  it('a failing create names the component\'s file', () => {
    const r = new ComponentRegistry();
    const spec = defineComponent({ target: 't.Broken', kind: 'model', description: '', schema: {}, create: () => { throw new Error('no weights'); } });
    r.register(spec);
    expect(() => new Instantiator(r, r.runScope(), 0).instantiate({ target: 't.Broken' }, 'model'))
      .toThrow(`building 't.Broken' (defined in ${spec.source}) at 'model' failed: no weights`);
  });
});

describe('untangle ls', () => {
  afterEach(() => vi.restoreAllMocks());
  it('prints each target\'s source file under it', () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
    lsCommand(parseArgs(['ls', 'metric']), registry);
    const lines = out.split('\n');
    const at = lines.findIndex((l) => l.trimStart().startsWith('untangle.metrics.MIG '));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1].trim()).toBe(registry.get('untangle.metrics.MIG')?.source);
  });
});
