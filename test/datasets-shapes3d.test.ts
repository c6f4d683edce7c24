import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import h5wasm from 'h5wasm/node';
import { createShapes3D, createShapes3DFile, shapes3dFileSpec, shapes3dSpec } from '../components/datasets/shapes3d/specs.ts';
import { SHAPES3D_VALUES } from '../components/datasets/shapes3d/render.ts';
import { FactorGrid } from '../components/datasets/grid.ts';
import { sha256 } from '../framework/util/hash.ts';
import { Rng } from '../framework/util/rng.ts';

const FIX = new URL('./fixtures/datasets/', import.meta.url).pathname;
const PX = 64 * 64 * 3;

beforeAll(async () => { await tf.setBackend('cpu'); await h5wasm.ready; });

describe('procedural Shapes3D', () => {
  const ds = createShapes3D();
  const img = (f: number[]): Uint8Array => ds.uint8At(ds.factorsToIndex(Int32Array.from(f), 1));
  /** Pixels (of 4096) whose colour differs between two images. */
  const changed = (a: Uint8Array, b: Uint8Array): boolean[] => Array.from({ length: 4096 }, (_, p) => a[p * 3] !== b[p * 3] || a[p * 3 + 1] !== b[p * 3 + 1] || a[p * 3 + 2] !== b[p * 3 + 2]);
  const count = (m: boolean[]): number => m.filter(Boolean).length;
  /** The object's footprint: pixels that change with the object hue alone. */
  const footprint = (scale: number, shape: number, orient: number): number => count(changed(img([0, 5, 3, scale, shape, orient]), img([0, 5, 8, scale, shape, orient])));

  it('exposes the real grid', () => {
    expect(ds.factorSizes).toEqual([10, 10, 10, 8, 4, 15]);
    expect(ds.factorNames).toEqual(['floor_hue', 'wall_hue', 'object_hue', 'scale', 'shape', 'orientation']);
    expect(ds.size).toBe(480000);
    expect(SHAPES3D_VALUES.scale[0]).toBe(0.75);
    expect(SHAPES3D_VALUES.scale[7]).toBe(1.25);
    expect(SHAPES3D_VALUES.orientation[0]).toBe(-30);
    expect(SHAPES3D_VALUES.hue[9]).toBe(0.9);
  });

  it('batch() gives float32 [B,64,64,3] in [0,1] and the factors', () => {
    const b = ds.batch([0, 479999]);
    expect(b.x.shape).toEqual([2, 64, 64, 3]);
    const x = b.x.dataSync();
    expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    expect(Array.from(b.factors.dataSync())).toEqual([0, 0, 0, 0, 0, 0, 9, 9, 9, 7, 3, 14]);
    tf.dispose([b.x, b.factors]);
  });

  it('each factor changes the image; the same factors give the same image', () => {
    const base = [1, 4, 7, 3, 2, 6];
    const ref = img(base);
    expect(count(changed(img(base), ref))).toBe(0);
    for (let k = 0; k < 6; k++) {
      const f = [...base];
      f[k] = (f[k] + 1) % ds.factorSizes[k];
      expect(count(changed(img(f), ref)), `factor ${ds.factorNames[k]}`).toBeGreaterThan(20);
    }
  });

  it('hues act on their own surfaces only: floor at the bottom, wall at the top, object in the middle', () => {
    const base = [1, 4, 7, 5, 0, 7];
    const ref = img(base);
    const floor = changed(img([2, 4, 7, 5, 0, 7]), ref);
    const wall = changed(img([1, 5, 7, 5, 0, 7]), ref);
    const obj = changed(img([1, 4, 8, 5, 0, 7]), ref);
    const row = (m: boolean[], r: number): number => count(m.slice(r * 64, r * 64 + 64));
    expect(row(floor, 63)).toBe(64);
    expect(row(floor, 0)).toBe(0);
    expect(row(wall, 0)).toBe(64);
    expect(row(wall, 63)).toBe(0);
    expect(row(obj, 0) + row(obj, 63)).toBe(0);
    expect(count(obj)).toBeGreaterThan(50);
    // the three surfaces share at most their antialiased borders
    const both = (a: boolean[], b: boolean[]): number => a.filter((v, i) => v && b[i]).length;
    expect(both(floor, obj)).toBeLessThan(0.25 * count(obj));
    expect(both(wall, obj)).toBeLessThan(0.25 * count(obj));
  });

  it('colours are HSV hues with s = v = 1 under one shading', () => {
    // hue 0.2 → (r, g, b) = (0.8, 1, 0); hue 0 → (1, 0, 0). Same pixel, same shading.
    const a = img([2, 0, 0, 0, 0, 7]);
    const b = img([0, 0, 0, 0, 0, 7]);
    const p = (63 * 64 + 2) * 3;
    expect(a[p + 2]).toBe(0);
    expect(a[p] / a[p + 1]).toBeCloseTo(0.8, 1);
    expect(b[p]).toBe(a[p + 1]);
    expect(b[p + 1]).toBe(0);
  });

  it('object area grows as scale² and a sphere keeps its area as the camera turns', () => {
    for (const shape of [0, 2]) {
      const ratio = footprint(7, shape, 7) / footprint(0, shape, 7);
      expect(ratio).toBeGreaterThan((1.25 / 0.75) ** 2 * 0.8);
      expect(ratio).toBeLessThan((1.25 / 0.75) ** 2 * 1.25);
    }
    const sphere = [0, 7, 14].map((o) => footprint(4, 2, o));
    expect(Math.max(...sphere) / Math.min(...sphere)).toBeLessThan(1.1);
    // ... while the scene behind it does turn
    expect(count(changed(img([1, 4, 7, 4, 2, 0]), img([1, 4, 7, 4, 2, 14])))).toBeGreaterThan(100);
    // and the four shapes have four different footprints
    expect(new Set([0, 1, 2, 3].map((s) => footprint(4, s, 7))).size).toBe(4);
  });

  it('is deterministic: a pinned hash of a fixed batch, and a stable fingerprint', () => {
    const idx = Array.from(new Rng(2024).permutation(480000).subarray(0, 64));
    expect(sha256(ds.uint8At(idx))).toBe('c2cc837093f854943f7d4b601003d95ff951df78693d9e9b3f4e1c0f5ed2d76c');
    expect(ds.fingerprint().digest).toBe(createShapes3D().fingerprint().digest);
    expect(ds.fingerprint().source).toBe('procedural:shapes3d-procedural/2');
    expect(shapes3dSpec.target).toBe('untangle.datasets.Shapes3D');
  });
});

/** The fixtures' formula: images[i, r, c, k] = (31i + 5r + 3c + 71k) % 256. */
function expectFormulaImages(u8: Uint8Array, indices: number[]): void {
  indices.forEach((i, b) => {
    for (const [r, c, k] of [[0, 0, 0], [7, 50, 2], [63, 63, 1], [31, 2, 0]]) {
      expect(u8[b * PX + (r * 64 + c) * 3 + k]).toBe((31 * i + 5 * r + 3 * c + 71 * k) % 256);
    }
  });
}

describe('Shapes3D file loaders', () => {
  const sizes = [2, 1, 1, 1, 2, 2];
  const n = 8;
  const formula = (): Uint8Array => {
    const out = new Uint8Array(n * PX);
    for (let i = 0; i < n; i++) for (let r = 0; r < 64; r++) for (let c = 0; c < 64; c++) for (let k = 0; k < 3; k++) out[i * PX + (r * 64 + c) * 3 + k] = (31 * i + 5 * r + 3 * c + 71 * k) % 256;
    return out;
  };
  /** Real-style labels: hue, hue, hue, scale, shape, orientation values of each C-order row. */
  const labels = (order: 'c' | 'shuffled'): Float64Array => {
    const values = [[0, 0.1], [0.3], [0.5], [0.75], [0, 3], [-30, 30]];
    const g = new FactorGrid(sizes);
    const out = new Float64Array(n * 6);
    for (let i = 0; i < n; i++) {
      const f = g.indexToFactors([order === 'c' ? i : (i * 3) % n]);
      for (let k = 0; k < 6; k++) out[i * 6 + k] = values[k][f[k]];
    }
    return out;
  };
  const writeH5 = (path: string, order: 'c' | 'shuffled'): void => {
    const f = new h5wasm.File(path, 'w');
    // as the real file: chunked, gzip-compressed images; float64 labels
    f.create_dataset({ name: 'images', data: formula(), shape: [n, 64, 64, 3], dtype: '<B', chunks: [1, 64, 64, 3], compression: 'gzip' });
    f.create_dataset({ name: 'labels', data: labels(order), shape: [n, 6], dtype: '<d' });
    f.close();
  };

  it('reads 3dshapes.h5 (h5wasm-written, chunked + gzip) with images and factors in C order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shapes3d-'));
    const path = join(dir, '3dshapes.h5');
    writeH5(path, 'c');
    const ds = createShapes3DFile({ path, factor_sizes: sizes });
    expect(ds.size).toBe(8);
    expectFormulaImages(ds.uint8At([0, 5, 7]), [0, 5, 7]);
    expect(Array.from(ds.indexToFactors([5]))).toEqual([1, 0, 0, 0, 0, 1]);
    const b = ds.batch([3]);
    expect(b.x.dataSync()[1]).toBeCloseTo(((31 * 3 + 71) % 256) / 255, 6);
    tf.dispose([b.x, b.factors]);
    expect(ds.fingerprint().digest).toBe(sha256(readFileSync(path)));
    expect(ds.fingerprint().source).toBe(path);
  });

  it('refuses an h5 whose labels are not in C order, and a grid that does not fit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shapes3d-'));
    const path = join(dir, 'bad.h5');
    writeH5(path, 'shuffled');
    expect(() => createShapes3DFile({ path, factor_sizes: sizes })).toThrow(/C order/);
    expect(() => createShapes3DFile({ path, factor_sizes: sizes, check_labels: false })).not.toThrow();
    expect(() => createShapes3DFile({ path, check_labels: false })).toThrow(/8 images, but the factor sizes/);
    expect(() => createShapes3DFile({ path: join(dir, 'x.png') })).toThrow(/neither .h5 nor .npz/);
  });

  it("reads DisDiff's uncompressed 3dshapes.npz (images only) from disk by offset", () => {
    const ds = createShapes3DFile({ path: FIX + 'shapes3d_tiny.npz', factor_sizes: sizes });
    expectFormulaImages(ds.uint8At([7, 2]), [7, 2]);
  });

  it("reads disentanglement_lib's npz (factor axes kept, float labels checked)", () => {
    const ds = createShapes3DFile({ path: FIX + 'shapes3d_dlib.npz', factor_sizes: sizes });
    expectFormulaImages(ds.uint8At([1, 6]), [1, 6]);
    expect(shapes3dFileSpec.target).toBe('untangle.datasets.Shapes3DFile');
  });
});
