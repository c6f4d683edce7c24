import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMPI3D, mpi3dSpec } from '../components/datasets/mpi3d.ts';
import { createCars3D, cars3dSpec } from '../components/datasets/cars3d.ts';
import { resizeLanczos } from '../components/datasets/loaders/resize.ts';
import { NpzFile, writeNpz } from '../framework/io/npz.ts';
import { writeMat5 } from '../framework/io/mat5.ts';
import { sha256 } from '../framework/util/hash.ts';
import { readFileSync } from 'node:fs';

const FIX = new URL('./fixtures/datasets/', import.meta.url).pathname;
const PX = 64 * 64 * 3;

describe('MPI3D loader', () => {
  it('reads a numpy-written compressed npz with images in C order of the factors', () => {
    const sizes = [2, 2, 1, 1, 1, 2, 3];
    const ds = createMPI3D({ path: FIX + 'mpi3d_tiny.npz', factor_sizes: sizes });
    expect(ds.size).toBe(24);
    expect(ds.factorNames).toHaveLength(7);
    const u8 = ds.uint8At([0, 13, 23]);
    [0, 13, 23].forEach((i, b) => {
      for (const [r, c, k] of [[0, 0, 0], [40, 17, 2], [63, 1, 1]]) expect(u8[b * PX + (r * 64 + c) * 3 + k]).toBe((31 * i + 5 * r + 3 * c + 71 * k) % 256);
    });
    // strides of [2, 2, 1, 1, 1, 2, 3] are [12, 6, 6, 6, 6, 3, 1]: 13 = 1·12 + 1·1
    expect(Array.from(ds.indexToFactors([13]))).toEqual([1, 0, 0, 0, 0, 0, 1]);
    expect(ds.fingerprint().digest).toBe(sha256(readFileSync(FIX + 'mpi3d_tiny.npz')));
  });

  it('reads the compressed images from an extract_dir copy identically', () => {
    const sizes = [2, 2, 1, 1, 1, 2, 3];
    const dir = mkdtempSync(join(tmpdir(), 'mpi3d-'));
    const inMemory = createMPI3D({ path: FIX + 'mpi3d_tiny.npz', factor_sizes: sizes });
    const onDisk = createMPI3D({ path: FIX + 'mpi3d_tiny.npz', factor_sizes: sizes, extract_dir: dir });
    const idx = Array.from({ length: 24 }, (_, i) => i);
    expect(sha256(onDisk.uint8At(idx))).toBe(sha256(inMemory.uint8At(idx)));
    // the fingerprint is still the archive's, not the extracted copy's
    expect(onDisk.fingerprint().digest).toBe(sha256(readFileSync(FIX + 'mpi3d_tiny.npz')));
  });

  it('defaults to the real 6×6×2×3×3×40×40 grid and says how to describe a subset', () => {
    expect(mpi3dSpec.schema).toMatchObject({ properties: { factor_sizes: { default: [6, 6, 2, 3, 3, 40, 40] } } });
    expect(() => createMPI3D({ path: FIX + 'mpi3d_tiny.npz' })).toThrow(/24 images, but the factor sizes \[6, 6, 2, 3, 3, 40, 40\] describe 1036800/);
  });
});

describe('Cars3D loader', () => {
  const sizes = [2, 3, 2]; // elevations, azimuths, cars

  it('reads scipy-written .mat files and shrinks them exactly as Pillow thumbnail does', () => {
    const ds = createCars3D({ path: FIX + 'cars', factor_sizes: sizes });
    expect(ds.size).toBe(12);
    expect(ds.factorNames).toEqual(['elevation', 'azimuth', 'object_type']);
    // cars_expected.npz: disentanglement_lib's einsum + PIL thumbnail, in the same C order
    const expected = NpzFile.open(FIX + 'cars_expected.npz').read('images').data as Uint8Array;
    const got = ds.uint8At(Array.from({ length: 12 }, (_, i) => i));
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
    expect(maxDiff).toBe(0);
  });

  it('puts (elevation e, azimuth a, car n) at C-order index e·(A·N) + a·N + n', () => {
    // Cars of constant colour: im = 10·(car) + 50·a + 100·e (+1), so every pixel names its factors.
    const dir = mkdtempSync(join(tmpdir(), 'cars-'));
    const [E, A, N] = [2, 3, 2];
    for (let car = 0; car < N; car++) {
      const h = 64, w = 64;
      const data = new Uint8Array(h * w * 3 * A * E);
      for (let e = 0; e < E; e++) for (let a = 0; a < A; a++) data.fill(1 + 10 * car + 50 * a + 100 * e, h * w * 3 * (a + A * e), h * w * 3 * (a + A * e + 1));
      writeFileSync(join(dir, `car_${String(car + 1).padStart(3, '0')}_mesh.mat`), writeMat5([{ name: 'im', dims: [h, w, 3, A, E], data }], { compress: true }));
    }
    const ds = createCars3D({ path: dir, factor_sizes: [E, A, N] });
    for (let e = 0; e < E; e++) for (let a = 0; a < A; a++) for (let n = 0; n < N; n++) {
      const idx = e * A * N + a * N + n;
      expect(ds.uint8At([idx])[PX - 1]).toBe(1 + 10 * n + 50 * a + 100 * e);
      expect(Array.from(ds.indexToFactors([idx]))).toEqual([e, a, n]);
    }
    expect(() => createCars3D({ path: dir, factor_sizes: [E, A, 3] })).toThrow(/2 .mat files/);
  });

  it('reads the npz form and checks the directory matches the fingerprint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cars-'));
    const images = new Uint8Array(12 * PX).map((_, k) => k % 251);
    writeFileSync(join(dir, 'cars3d.npz'), writeNpz({ images: { data: images, shape: [12, 64, 64, 3] } }));
    const ds = createCars3D({ path: join(dir, 'cars3d.npz'), factor_sizes: sizes });
    expect(Array.from(ds.uint8At([5]).subarray(0, 4))).toEqual(Array.from(images.subarray(5 * PX, 5 * PX + 4)));
    // directory fingerprints hash the sorted (name, sha256) lines: renaming a file changes it
    const d2 = mkdtempSync(join(tmpdir(), 'cars-'));
    mkdirSync(join(d2, 'a'));
    mkdirSync(join(d2, 'b'));
    copyFileSync(FIX + 'cars/car_001_mesh.mat', join(d2, 'a', 'car_001_mesh.mat'));
    copyFileSync(FIX + 'cars/car_002_mesh.mat', join(d2, 'a', 'car_002_mesh.mat'));
    copyFileSync(FIX + 'cars/car_001_mesh.mat', join(d2, 'b', 'car_001_mesh.mat'));
    copyFileSync(FIX + 'cars/car_002_mesh.mat', join(d2, 'b', 'car_009_mesh.mat'));
    const fa = createCars3D({ path: join(d2, 'a'), factor_sizes: sizes }).fingerprint();
    const fb = createCars3D({ path: join(d2, 'b'), factor_sizes: sizes }).fingerprint();
    expect(fa.digest).toBe(createCars3D({ path: FIX + 'cars', factor_sizes: sizes }).fingerprint().digest);
    expect(fb.digest).not.toBe(fa.digest);
    expect(cars3dSpec.target).toBe('untangle.datasets.Cars3D');
  });

  it('Lanczos resize keeps flat images flat and averages a 2× checkerboard to grey', () => {
    const flat = new Uint8Array(16 * 16 * 3).fill(77);
    expect(new Set(resizeLanczos(flat, 16, 16, 3, 8, 8))).toEqual(new Set([77]));
    const board = new Uint8Array(32 * 32).map((_, i) => (((i % 32) + Math.floor(i / 32)) % 2) * 200);
    const small = resizeLanczos(board, 32, 32, 1, 16, 16);
    // away from the borders every output pixel averages two 0s and two 200s
    for (let y = 4; y < 12; y++) for (let x = 4; x < 12; x++) expect(small[y * 16 + x]).toBe(100);
  });
});
