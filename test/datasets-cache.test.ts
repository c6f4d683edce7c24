import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachePaths, openImageCache, openOrBuildImageCache, writeImageCache, type CacheIdentity } from '../components/datasets/cache.ts';
import { DSpritesRenderer } from '../components/datasets/dsprites/render.ts';
import { Shapes3DRenderer } from '../components/datasets/shapes3d/render.ts';
import { gatherUint8, type ImageSource } from '../components/datasets/image-source.ts';
import { proceduralDigest, probeIndices, fileFingerprint } from '../components/datasets/fingerprint.ts';
import { readNpy } from '../framework/io/npy.ts';
import { proceduralDataset } from '../components/datasets/procedural.ts';
import { sha256 } from '../framework/util/hash.ts';
import { UntangleError } from '../framework/util/errors.ts';

/** The first `count` images of a renderer: a small, real source to cache. */
function head(src: ImageSource, count: number): ImageSource {
  return { count, shape: src.shape, maxValue: src.maxValue, readInto: (i, out, off) => src.readInto(i, out, off) };
}

function ident(src: ImageSource, params: Record<string, unknown> = {}): CacheIdentity {
  return { name: 'shapes3d-head', generator: 'shapes3d-procedural/2', params, generatorDigest: proceduralDigest('shapes3d-procedural/2', params, src) };
}

describe('data set cache', () => {
  it('writes a uint8 .npy and a manifest whose sha256 is the hash of the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cache-'));
    const src = head(new Shapes3DRenderer(), 300);
    const m = writeImageCache(dir, ident(src), src, 128); // 128 per chunk: exercises chunk joins
    const paths = cachePaths(dir, ident(src));
    const bytes = readFileSync(paths.npy);
    expect(m.sha256).toBe(sha256(bytes));
    expect(m.shape).toEqual([300, 64, 64, 3]);
    const arr = readNpy(bytes);
    expect(arr.dtype).toBe('uint8');
    expect(arr.shape).toEqual([300, 64, 64, 3]);
    const all = Array.from({ length: 300 }, (_, i) => i);
    expect(sha256(arr.data as Uint8Array)).toBe(sha256(gatherUint8(src, all))); // (deep-equal on MBs is slow)
    expect(JSON.parse(readFileSync(paths.manifest, 'utf8')).generatorDigest).toBe(ident(src).generatorDigest);
  });

  it('reads back the same images (by offset) as the renderer gives', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cache-'));
    const src = head(new DSpritesRenderer(), 500);
    const id = { ...ident(src), name: 'dsprites-head' };
    const opened = openOrBuildImageCache(dir, id, src);
    expect(opened.source.maxValue).toBe(1);
    const idx = [0, 7, 499, 250];
    expect(sha256(gatherUint8(opened.source, idx))).toBe(sha256(gatherUint8(src, idx)));
    // second open finds and verifies the cache instead of rebuilding it
    const again = openImageCache(dir, id, { shape: [500, 64, 64, 1], maxValue: 1 }, true);
    expect(again?.manifest.sha256).toBe(opened.manifest.sha256);
  });

  it('detects a tampered cache file, and a manifest from another generator', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cache-'));
    const src = head(new DSpritesRenderer(), 64);
    const id = { ...ident(src), name: 'dsprites-head' };
    openOrBuildImageCache(dir, id, src);
    const paths = cachePaths(dir, id);
    const bytes = readFileSync(paths.npy);
    bytes[bytes.length - 100] ^= 1;
    writeFileSync(paths.npy, bytes);
    const expectShape = { shape: [64, 64, 64, 1], maxValue: 1 };
    let err: unknown;
    try { openImageCache(dir, id, expectShape, true); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UntangleError);
    expect((err as UntangleError).code).toBe('dataset_cache_tampered');
    expect((err as UntangleError).hint).toMatch(/delete the cache files/);
    // unverified opens still catch a changed size
    writeFileSync(paths.npy, bytes.subarray(0, bytes.length - 1));
    expect(() => openImageCache(dir, id, expectShape, false)).toThrow(/manifest says/);
    // a manifest written for other params under this file name is refused
    const manifest = JSON.parse(readFileSync(paths.manifest, 'utf8'));
    writeFileSync(paths.manifest, JSON.stringify({ ...manifest, generatorDigest: 'f'.repeat(64) }));
    expect(() => openImageCache(dir, id, expectShape, false)).toThrow(/another generator/);
  });

  it('a different generator digest uses a different cache file', () => {
    const src = head(new DSpritesRenderer(), 8);
    const a = cachePaths('/c', ident(src, { orientation_endpoint: true }));
    const b = cachePaths('/c', ident(src, { orientation_endpoint: false }));
    expect(a.npy).not.toBe(b.npy);
    expect(existsSync(a.npy)).toBe(false);
  });
});

describe('procedural data set with cache_dir', () => {
  it('serves the cached bytes, keeps the procedural digest and names the cache as its source', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cache-'));
    const make = (cacheDir?: string) => proceduralDataset({
      name: 'dsprites-head', generator: 'dsprites-procedural/1', params: {}, factorNames: ['i'], factorSizes: [400],
      renderer: head(new DSpritesRenderer(), 400), cacheDir,
    });
    const plain = make();
    const cached = make(dir);
    const idx = [3, 399, 0, 200];
    expect(sha256(cached.uint8At(idx))).toBe(sha256(plain.uint8At(idx)));
    expect(cached.fingerprint().digest).toBe(plain.fingerprint().digest);
    expect(cached.fingerprint().source).toMatch(/^procedural:dsprites-procedural\/1 cache:.*\.npy sha256:[0-9a-f]{64}$/);
    expect(sha256(make(dir).uint8At(idx))).toBe(sha256(plain.uint8At(idx))); // reopened, verified
  });
});

describe('fingerprints', () => {
  it('procedural digests change with the rendered pixels, not only the params', () => {
    const src = head(new DSpritesRenderer(), 1000);
    const d0 = proceduralDigest('g/1', { a: 1 }, src);
    expect(proceduralDigest('g/1', { a: 1 }, src)).toBe(d0);
    expect(proceduralDigest('g/1', { a: 2 }, src)).not.toBe(d0);
    expect(proceduralDigest('g/2', { a: 1 }, src)).not.toBe(d0);
    // a renderer that differs in one pixel of one probed image
    const probe = probeIndices(1000)[3];
    const altered: ImageSource = { ...src, readInto: (i, out, off) => { src.readInto(i, out, off); if (i === probe) out[off] ^= 1; } };
    expect(proceduralDigest('g/1', { a: 1 }, altered)).not.toBe(d0);
    expect(probeIndices(1000)).toContain(999);
  });

  it('file fingerprints are the sha256 of the file bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-'));
    writeFileSync(join(dir, 'x.bin'), 'hello');
    // sha256("hello"), a published test vector
    expect(fileFingerprint('x', [join(dir, 'x.bin')]).digest).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });
});
