/**
 * On-disk cache of a generated data set: `<name>-<digest12>.npy` (uint8 [N, H, W, C]) beside a
 * manifest `<name>-<digest12>.json` holding the sha256 of the .npy bytes and the generator
 * version, params and procedural digest that produced it.
 *
 * The file name carries the generator digest, so a changed renderer or param never reads a stale
 * cache: it builds a new one. A cache whose bytes no longer match its manifest is an error (never
 * silently rebuilt), because a run's recorded inputs must be what it actually read.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UntangleError } from '../../framework/util/errors.ts';
import { npyHeaderBytes, parseNpyHeader } from '../../framework/io/npy.ts';
import { readRange, writeFully } from '../../framework/io/file-range.ts';
import { sha256FileStreaming } from './fingerprint.ts';
import { gatherUint8, imageBytes, RangeImages, type ImageSource } from './image-source.ts';

export const CACHE_FORMAT = 'untangle-dataset-cache/1';

export interface CacheIdentity {
  name: string;
  generator: string;
  params: Record<string, unknown>;
  /** The procedural digest (see fingerprint.ts) of the generator that fills the cache. */
  generatorDigest: string;
}

export interface CacheManifest extends CacheIdentity {
  format: typeof CACHE_FORMAT;
  file: string;
  shape: number[];
  dtype: 'uint8';
  maxValue: number;
  bytes: number;
  sha256: string;
}

export interface OpenedCache {
  source: ImageSource;
  manifest: CacheManifest;
  path: string;
}

export function cachePaths(dir: string, ident: CacheIdentity): { npy: string; manifest: string } {
  const stem = `${ident.name}-${ident.generatorDigest.slice(0, 12)}`;
  return { npy: resolve(join(dir, `${stem}.npy`)), manifest: resolve(join(dir, `${stem}.json`)) };
}

/** Render every image of `src` into the cache, in chunks; returns the manifest written. */
export function writeImageCache(dir: string, ident: CacheIdentity, src: ImageSource, chunk = 2048): CacheManifest {
  mkdirSync(dir, { recursive: true });
  const paths = cachePaths(dir, ident);
  const shape = [src.count, ...src.shape];
  const header = npyHeaderBytes(shape, 'uint8');
  const tmp = `${paths.npy}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    writeFully(fd, header);
    hash.update(header);
    bytes += header.length;
    for (let start = 0; start < src.count; start += chunk) {
      const idx = Array.from({ length: Math.min(chunk, src.count - start) }, (_, k) => start + k);
      const block = gatherUint8(src, idx);
      writeFully(fd, block);
      hash.update(block);
      bytes += block.length;
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, paths.npy);
  const manifest: CacheManifest = {
    format: CACHE_FORMAT, ...ident, file: paths.npy.split('/').pop() ?? '', shape, dtype: 'uint8',
    maxValue: src.maxValue, bytes, sha256: hash.digest('hex'),
  };
  writeFileSync(paths.manifest, JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function readManifest(path: string): CacheManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UntangleError('dataset_cache_bad_manifest', `cache manifest '${path}' is not valid JSON`, { path, cause: String(err) }, 'delete the cache files to rebuild them');
  }
  const m = parsed as Partial<CacheManifest>;
  if (m.format !== CACHE_FORMAT || typeof m.sha256 !== 'string' || !Array.isArray(m.shape)) {
    throw new UntangleError('dataset_cache_bad_manifest', `'${path}' is not an untangle data set cache manifest`, { path, format: m.format }, 'delete the cache files to rebuild them');
  }
  return m as CacheManifest;
}

/**
 * Open an existing cache for `ident`, or return null when there is none. Throws when the
 * manifest disagrees with `ident` or `expect`, or (with `verify`) when the .npy bytes do not hash
 * to the manifest's sha256.
 */
export function openImageCache(dir: string, ident: CacheIdentity, expect: { shape: readonly number[]; maxValue: number }, verify = true): OpenedCache | null {
  const paths = cachePaths(dir, ident);
  if (!existsSync(paths.manifest) || !existsSync(paths.npy)) return null;
  const m = readManifest(paths.manifest);
  const wantShape = [...expect.shape];
  if (m.generatorDigest !== ident.generatorDigest || m.name !== ident.name || JSON.stringify(m.shape) !== JSON.stringify(wantShape) || m.maxValue !== expect.maxValue) {
    throw new UntangleError('dataset_cache_mismatch', `cache '${paths.manifest}' was made by another generator or for another shape`,
      { path: paths.manifest, manifestDigest: m.generatorDigest, expectedDigest: ident.generatorDigest, manifestShape: m.shape, expectedShape: wantShape },
      'delete the cache files to rebuild them');
  }
  if (verify) {
    const got = sha256FileStreaming(paths.npy);
    if (got !== m.sha256) {
      throw new UntangleError('dataset_cache_tampered', `cache '${paths.npy}' does not match the sha256 in its manifest: the file changed after it was written`,
        { path: paths.npy, expected: m.sha256, actual: got }, 'delete the cache files to rebuild them');
    }
  }
  const fd = openSync(paths.npy, 'r');
  const size = fstatSync(fd).size;
  if (size !== m.bytes) {
    closeSync(fd);
    throw new UntangleError('dataset_cache_tampered', `cache '${paths.npy}' has ${size} bytes, its manifest says ${m.bytes}`, { path: paths.npy, size, expected: m.bytes }, 'delete the cache files to rebuild them');
  }
  const h = parseNpyHeader(readRange(fd, 0, Math.min(size, 4096)));
  const [count, ...img] = h.shape;
  const per = img.reduce((a, b) => a * b, 1);
  const source = new RangeImages((off, len) => readRange(fd, h.dataOffset + off, len), count, [img[0], img[1], img[2]], m.maxValue);
  if (per !== imageBytes(source)) throw new UntangleError('dataset_cache_bad_manifest', 'cache image shape is inconsistent', { shape: h.shape });
  return { source, manifest: m, path: paths.npy };
}

/** Open the cache, building it first when it does not exist. */
export function openOrBuildImageCache(dir: string, ident: CacheIdentity, src: ImageSource, verify = true): OpenedCache {
  const expect = { shape: [src.count, ...src.shape], maxValue: src.maxValue };
  const found = openImageCache(dir, ident, expect, verify);
  if (found !== null) return found;
  writeImageCache(dir, ident, src);
  const built = openImageCache(dir, ident, expect, false);
  if (built === null) throw new UntangleError('dataset_cache_write_failed', `could not reopen the cache just written in '${dir}'`, { dir });
  return built;
}
