import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]);
  return out;
}

/** framework/ files that import components/ or the root registry (which imports every component). */
function violations(): string[] {
  const bad: string[] = [];
  for (const file of tsFiles(join(ROOT, 'framework'))) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = relative(ROOT, resolve(dirname(file), spec));
      if (target.startsWith('components') || target === 'registry.ts') bad.push(`${relative(ROOT, file)} imports ${spec}`);
    }
  }
  return bad;
}

describe('import direction', () => {
  it('reads static, re-export, side-effect and dynamic imports', () => {
    const src = [
      "import { a } from '../x.ts';",
      "import type {\n  B,\n} from '../../components/y.ts';",
      "export { c } from './z.ts';",
      "import 'reflect-metadata';",
      "const m = await import('../../registry.ts');",
    ].join('\n');
    expect(importsOf(src).sort()).toEqual(['../../components/y.ts', '../../registry.ts', '../x.ts', './z.ts', 'reflect-metadata'].sort());
  });

  it('framework/ never imports components/ nor the root registry.ts', () => {
    expect(violations()).toEqual([]);
  });
});
