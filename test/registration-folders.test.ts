import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMPONENT_KINDS, type ComponentSpec } from '../framework/registry/types.ts';
import { ALL_SPECS } from '../registry.ts';

const COMPONENTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'components');
/** The kind folders, each with one index that registry.ts imports. */
const KIND_FOLDERS = ['models', 'losses', 'samplers', 'datasets', 'metrics', 'optim', 'callbacks'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

function isSpec(v: unknown): v is ComponentSpec {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Partial<ComponentSpec>;
  return typeof s.target === 'string' && typeof s.create === 'function' && typeof s.schema === 'object'
    && (COMPONENT_KINDS as readonly string[]).includes(String(s.kind));
}

/** Every spec object exported by any module under `dir`, with the file that exports it. */
async function exportedSpecs(dir: string): Promise<{ file: string; spec: ComponentSpec }[]> {
  const out: { file: string; spec: ComponentSpec }[] = [];
  for (const file of tsFiles(dir)) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const v of Object.values(mod)) {
      const items = Array.isArray(v) ? v : [v];
      for (const item of items) if (isSpec(item)) out.push({ file: relative(COMPONENTS, file), spec: item });
    }
  }
  return out;
}

describe('registration follows the folders', () => {
  for (const folder of KIND_FOLDERS) {
    it(`components/${folder}/index.ts lists every spec exported under components/${folder}/`, async () => {
      const index = (await import(pathToFileURL(join(COMPONENTS, folder, 'index.ts')).href)) as { specs: ComponentSpec[] };
      const listed = new Set(index.specs);
      const missing = (await exportedSpecs(join(COMPONENTS, folder))).filter((e) => !listed.has(e.spec)).map((e) => `${e.file}: ${e.spec.target}`);
      expect([...new Set(missing)]).toEqual([]);
      // And nothing from another folder is registered through this one.
      const own = new Set((await exportedSpecs(join(COMPONENTS, folder))).map((e) => e.spec));
      expect(index.specs.filter((s) => !own.has(s)).map((s) => s.target)).toEqual([]);
    }, 120_000);
  }

  it('the registry holds exactly the kind indexes (plus the sweep launchers), each spec once', async () => {
    const fromIndexes: ComponentSpec[] = [];
    for (const folder of KIND_FOLDERS) {
      fromIndexes.push(...((await import(pathToFileURL(join(COMPONENTS, folder, 'index.ts')).href)) as { specs: ComponentSpec[] }).specs);
    }
    const nonLaunchers = ALL_SPECS.filter((s) => s.kind !== 'launcher');
    expect(new Set(nonLaunchers)).toEqual(new Set(fromIndexes));
    expect(nonLaunchers.length).toBe(fromIndexes.length);
  });
});
