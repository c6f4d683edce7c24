import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createDSprites, createDSpritesFile, dspritesSpec } from '../components/datasets/dsprites/specs.ts';
import { DSPRITES_BASE_SIZE, DSPRITES_POSITION_LO, DSPRITES_POSITION_SPAN, dspritesValues, renderDSprite } from '../components/datasets/dsprites/render.ts';
import { NpzFile, writeNpz } from '../framework/io/npz.ts';
import { sha256 } from '../framework/util/hash.ts';
import { Rng } from '../framework/util/rng.ts';
import { isGroundTruthDataset } from '../framework/contracts/index.ts';

const FIX = new URL('./fixtures/datasets/', import.meta.url).pathname;

function sprite(shape: number, scale: number, angle: number, x: number, y: number): Uint8Array {
  const out = new Uint8Array(64 * 64);
  renderDSprite(shape, scale, angle, x, y, out, 0);
  return out;
}

function stats(img: Uint8Array): { area: number; cx: number; cy: number } {
  let area = 0, sx = 0, sy = 0;
  for (let r = 0; r < 64; r++) for (let c = 0; c < 64; c++) if (img[r * 64 + c]) { area++; sx += c; sy += r; }
  return { area, cx: sx / area, cy: sy / area };
}

const differs = (a: Uint8Array, b: Uint8Array): number => a.reduce((n, v, i) => n + (v !== b[i] ? 1 : 0), 0);

beforeAll(async () => { await tf.setBackend('cpu'); });

describe('procedural dSprites', () => {
  const ds = createDSprites();

  it("exposes dsprites_full's five factors, or all six with include_color", () => {
    expect(isGroundTruthDataset(ds)).toBe(true);
    expect(ds.factorSizes).toEqual([3, 6, 40, 32, 32]);
    expect(ds.factorNames).toEqual(['shape', 'scale', 'orientation', 'posX', 'posY']);
    expect(ds.size).toBe(737280);
    expect(ds.elementSpec.x).toEqual([64, 64, 1]);
    const withColor = createDSprites({ include_color: true });
    expect(withColor.factorSizes).toEqual([1, 3, 6, 40, 32, 32]);
    expect(withColor.factorNames[0]).toBe('color');
    // the size-1 color factor changes no index: both views address the same images
    expect(Array.from(withColor.indexToFactors([400000]))).toEqual([0, ...Array.from(ds.indexToFactors([400000]))]);
    expect(sha256(withColor.uint8At([400000, 5]))).toBe(sha256(ds.uint8At([400000, 5])));
    const v = dspritesValues();
    expect(v.orientation[39]).toBe(2 * Math.PI); // the real latents_possible_values end at 2π
    expect(v.scale).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(dspritesValues(false).orientation[10]).toBe(Math.PI / 2);
  });

  it('batch() gives binary float32 images and the int32 factors of each index', () => {
    const idx = [0, 12345, 737279];
    const b = ds.batch(idx);
    expect(b.x.shape).toEqual([3, 64, 64, 1]);
    expect(b.x.dtype).toBe('float32');
    expect(b.factors.dtype).toBe('int32');
    const x = b.x.dataSync();
    expect(new Set(x)).toEqual(new Set([0, 1]));
    expect(Array.from(b.factors.dataSync().slice(10, 15))).toEqual(Array.from(ds.indexToFactors([737279])));
    // observationsFromFactors agrees with batch on the same rows
    const o = ds.observationsFromFactors(ds.indexToFactors(idx), 3);
    expect(Array.from(o.dataSync())).toEqual(Array.from(x));
    tf.dispose([b.x, b.factors, o]);
  });

  it('refuses bad indices and factor rows with UntangleErrors; an empty batch is empty', () => {
    expect(() => ds.batch([737280])).toThrow(/outside \[0, 737280\)/);
    expect(() => ds.batch([1.5])).toThrow(/outside/);
    expect(() => ds.observationsFromFactors(Int32Array.of(0, 0, 0, 0), 1)).toThrow(/n × numFactors/);
    expect(() => ds.observationsFromFactors(Int32Array.of(3, 0, 0, 0, 0), 1)).toThrow(/factor 0 value 3/);
    const b = ds.batch([]);
    expect(b.x.shape).toEqual([0, 64, 64, 1]);
    tf.dispose([b.x, b.factors]);
  });

  it('each factor changes the image; fixed factors give the same image on every call', () => {
    const base = [2, 3, 7, 10, 20];
    const img = (f: number[]): Uint8Array => ds.uint8At(ds.factorsToIndex(Int32Array.from(f), 1));
    const ref = img(base);
    expect(differs(img(base), ref)).toBe(0);
    for (let k = 0; k < 5; k++) {
      const f = [...base];
      f[k] = (f[k] + 1) % ds.factorSizes[k];
      expect(differs(img(f), ref), `factor ${ds.factorNames[k]}`).toBeGreaterThan(0);
    }
  });

  it('areas follow the shapes: side² for the square, π/8·S² for the ellipse, and scale²', () => {
    for (const scale of [0.5, 1]) {
      const s = DSPRITES_BASE_SIZE * scale;
      const sq = stats(sprite(0, scale, 0.3, 0.5, 0.5)).area;
      const el = stats(sprite(1, scale, 0.3, 0.5, 0.5)).area;
      const he = stats(sprite(2, scale, 0.3, 0.5, 0.5)).area;
      expect(Math.abs(sq - s * s) / (s * s)).toBeLessThan(0.08);
      expect(Math.abs(el - (Math.PI / 8) * s * s) / el).toBeLessThan(0.1);
      // Heart (x²+y²−1)³ = x²y³: area 3.6620 in curve units, width 2.278 scaled to S.
      const heart = (3.662 / (2.278 * 2.278)) * s * s;
      expect(Math.abs(he - heart) / heart).toBeLessThan(0.1);
    }
    const ratio = stats(sprite(0, 1, 0, 0.5, 0.5)).area / stats(sprite(0, 0.5, 0, 0.5, 0.5)).area;
    expect(ratio).toBeCloseTo(4, 1);
  });

  it('the centroid moves linearly with posX and posY', () => {
    for (const [x, y] of [[0, 0], [0.5, 1], [1, 0.25]]) {
      const st = stats(sprite(1, 1, 0, x, y));
      // pixel (c) covers [c, c+1): its centre is c + 0.5
      expect(st.cx + 0.5).toBeCloseTo(64 * (DSPRITES_POSITION_LO + DSPRITES_POSITION_SPAN * x), 0);
      expect(st.cy + 0.5).toBeCloseTo(64 * (DSPRITES_POSITION_LO + DSPRITES_POSITION_SPAN * y), 0);
    }
  });

  it('orientation rotates: square is 90°-symmetric, ellipse turns its long axis', () => {
    const sq0 = sprite(0, 1, 0, 0.5, 0.5);
    expect(differs(sprite(0, 1, Math.PI / 2, 0.5, 0.5), sq0)).toBeLessThanOrEqual(2);
    expect(differs(sprite(0, 1, Math.PI / 4, 0.5, 0.5), sq0)).toBeGreaterThan(20);
    // long axis horizontal at 0 → spread in x exceeds spread in y; at 90° the reverse
    const spread = (img: Uint8Array): [number, number] => {
      const cols = new Set<number>(), rows = new Set<number>();
      img.forEach((v, i) => { if (v) { cols.add(i % 64); rows.add(Math.floor(i / 64)); } });
      return [cols.size, rows.size];
    };
    const [w0, h0] = spread(sprite(1, 1, 0, 0.5, 0.5));
    const [w9, h9] = spread(sprite(1, 1, Math.PI / 2, 0.5, 0.5));
    expect(w0).toBe(16);
    expect(h0).toBe(8);
    expect([w9, h9]).toEqual([8, 16]);
    // the real grid's first and last orientations coincide (0 and 2π)
    expect(differs(sprite(2, 1, 0, 0.3, 0.3), sprite(2, 1, 2 * Math.PI, 0.3, 0.3))).toBe(0);
  });

  it('is deterministic: a pinned hash of a fixed batch, and a stable fingerprint', () => {
    const idx = Array.from(new Rng(2024).permutation(737280).subarray(0, 64));
    expect(sha256(ds.uint8At(idx))).toBe('45208aca4af22387e05f9da59066b87409a97072303c8937b95cd46f994da313');
    const fp = ds.fingerprint();
    expect(fp.name).toBe('dsprites');
    expect(fp.source).toBe('procedural:dsprites-procedural/1');
    expect(fp.digest).toBe(createDSprites().fingerprint().digest);
    expect(createDSprites({ orientation_endpoint: false }).fingerprint().digest).not.toBe(fp.digest);
  });

  it('is a registered dataset spec with a closed schema', () => {
    expect(dspritesSpec.kind).toBe('dataset');
    expect(dspritesSpec.target).toBe('untangle.datasets.DSprites');
    expect(dspritesSpec.schema.additionalProperties).toBe(false);
  });
});

describe('dSprites file loader', () => {
  const sizes = [1, 2, 2, 3, 2, 2];

  it('reads the numpy-written npz (imgs, latents_classes) with the right images and factors', () => {
    const ds = createDSpritesFile({ path: FIX + 'dsprites_tiny.npz', factor_sizes: sizes });
    expect(ds.size).toBe(48);
    const u8 = ds.uint8At([0, 17, 47]);
    [0, 17, 47].forEach((i, b) => {
      for (const [r, c] of [[0, 0], [3, 1], [63, 63], [10, 20]]) {
        expect(u8[b * 4096 + r * 64 + c]).toBe((r * 7 + c * 3 + i) % 5 === 0 ? 1 : 0);
      }
    });
    const cls = NpzFile.open(FIX + 'dsprites_tiny.npz').read('latents_classes');
    const row17 = Array.from(cls.data.slice(17 * 6, 18 * 6) as BigInt64Array).map(Number);
    expect(Array.from(ds.indexToFactors([17]))).toEqual(row17.slice(1));
    const withColor = createDSpritesFile({ path: FIX + 'dsprites_tiny.npz', factor_sizes: sizes, include_color: true });
    expect(Array.from(withColor.indexToFactors([17]))).toEqual(row17);
    expect(ds.fingerprint().digest).toBe(sha256(readFileSync(FIX + 'dsprites_tiny.npz')));
  });

  it('refuses a file whose count or label order disagrees with the grid', () => {
    expect(() => createDSpritesFile({ path: FIX + 'dsprites_tiny.npz' })).toThrow(/pass `factor_sizes`|label rows/);
    expect(() => createDSpritesFile({ path: FIX + 'dsprites_tiny.npz', factor_sizes: [2, 1, 2, 3, 2, 2] })).toThrow(/left out only when it has one/);
    const dir = mkdtempSync(join(tmpdir(), 'dsprites-'));
    const cls = new BigInt64Array(48 * 6);
    for (let i = 0; i < 48; i++) {
      // classes in the wrong order: the first factor that varies runs fastest
      let rest = i;
      for (const k of [5, 4, 3, 2, 1, 0]) { cls[i * 6 + k] = BigInt(rest % sizes[k]); rest = Math.floor(rest / sizes[k]); }
    }
    const swapped = new BigInt64Array(48 * 6);
    for (let i = 0; i < 48; i++) {
      const f = [Number(cls[i * 6]), Number(cls[i * 6 + 1]), Number(cls[i * 6 + 2]), Number(cls[i * 6 + 3]), Number(cls[i * 6 + 4]), Number(cls[i * 6 + 5])];
      // swap posX and posY columns: C order would need posY fastest
      swapped.set([f[0], f[1], f[2], f[3], f[5], f[4]].map(BigInt), i * 6);
    }
    writeFileSync(join(dir, 'bad.npz'), writeNpz({ imgs: { data: new Uint8Array(48 * 4096), shape: [48, 64, 64] }, latents_classes: { data: swapped, shape: [48, 6] } }, { compress: true }));
    expect(() => createDSpritesFile({ path: join(dir, 'bad.npz'), factor_sizes: sizes })).toThrow(/C order/);
  });
});
