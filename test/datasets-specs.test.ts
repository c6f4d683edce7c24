import { describe, expect, it } from 'vitest';
import AjvModule from 'ajv';

// ajv is CommonJS: under NodeNext its default export is the module object.
const Ajv = AjvModule.default;
import { specs } from '../components/datasets/index.ts';

const FIX = new URL('./fixtures/datasets/', import.meta.url).pathname;

describe('dataset specs', () => {
  it('registers the six image dataset targets of the folder itself, and every schema is closed', () => {
    // The kind index now lists the sequence and V3 sub-folders too; the six image data sets are
    // the specs defined outside them.
    const own = specs.filter((s) => /^components\/datasets\//.test(s.source ?? '') && !/^components\/datasets\/(sequential|v3)\//.test(s.source ?? ''));
    expect(own.map((s) => s.target).sort()).toEqual([
      'untangle.datasets.Cars3D', 'untangle.datasets.DSprites', 'untangle.datasets.DSpritesFile',
      'untangle.datasets.MPI3D', 'untangle.datasets.Shapes3D', 'untangle.datasets.Shapes3DFile',
    ]);
    for (const s of specs) {
      expect(s.kind).toBe('dataset');
      expect(s.schema.additionalProperties).toBe(false);
    }
  });

  it('schemas fill the reference defaults and reject unknown params', () => {
    const ajv = new Ajv({ useDefaults: true, strict: false });
    const byTarget = Object.fromEntries(specs.map((s) => [s.target, s]));
    const fill = (target: string, params: Record<string, unknown>): Record<string, unknown> => {
      const validate = ajv.compile(byTarget[target].schema);
      expect(validate(params), JSON.stringify(validate.errors)).toBe(true);
      return params;
    };
    expect(fill('untangle.datasets.DSprites', {})).toEqual({ orientation_endpoint: true, include_color: false, cache_verify: true });
    expect(fill('untangle.datasets.DSpritesFile', { path: 'x' }).factor_sizes).toEqual([1, 3, 6, 40, 32, 32]);
    expect(fill('untangle.datasets.Shapes3DFile', { path: 'x' }).factor_sizes).toEqual([10, 10, 10, 8, 4, 15]);
    expect(fill('untangle.datasets.MPI3D', { path: 'x' }).factor_sizes).toEqual([6, 6, 2, 3, 3, 40, 40]);
    expect(fill('untangle.datasets.Cars3D', { path: 'x' }).factor_sizes).toEqual([4, 24, 183]);
    expect(ajv.compile(byTarget['untangle.datasets.Shapes3D'].schema)({ colour: 1 })).toBe(false);
    expect(ajv.compile(byTarget['untangle.datasets.MPI3D'].schema)({})).toBe(false); // path is required
  });

  it('create() builds a working data set from validated params', () => {
    const spec = specs.find((s) => s.target === 'untangle.datasets.MPI3D')!;
    const ctx = { path: 'data', seed: 0, resolve: () => { throw new Error('no services'); }, instantiate: () => { throw new Error('no children'); } };
    const ds = spec.create({ path: FIX + 'mpi3d_tiny.npz', factor_sizes: [2, 2, 1, 1, 1, 2, 3] }, ctx) as { size: number };
    expect(ds.size).toBe(24);
  });
});
