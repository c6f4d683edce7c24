/**
 * Images from an HDF5 file (the real `3dshapes.h5`: `images` uint8 [480000, 64, 64, 3], `labels`
 * float64 [480000, 6]) through h5wasm's Node build, which reads the host file system directly.
 * Images are sliced from the file per image (h5wasm decompresses only the chunks touched), so
 * nothing but the current batch is in memory.
 *
 * h5wasm's WebAssembly module loads asynchronously; this module awaits it at import (top-level
 * await, about 0.2 s) so that data sets can be built synchronously like every other component.
 */
import { existsSync } from 'node:fs';
import h5wasm from 'h5wasm/node';
import { UntangleError } from '../../../framework/util/errors.ts';
import { imagesShape, type ImageSource } from '../image-source.ts';

await h5wasm.ready;

export type H5File = InstanceType<typeof h5wasm.File>;
export type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

export function getDataset(file: H5File, key: string, path: string): H5Dataset {
  const ds = file.get(key);
  if (!(ds instanceof h5wasm.Dataset)) {
    throw new UntangleError('dataset_h5_missing_key', `'${key}' is not a dataset in ${path}`, { path, key, keys: file.keys() });
  }
  return ds;
}

export function openH5File(path: string): H5File {
  if (!existsSync(path)) throw new UntangleError('dataset_file_missing', `HDF5 file '${path}' does not exist`, { path }, 'check the `path` param');
  try {
    return new h5wasm.File(path, 'r');
  } catch (err) {
    throw new UntangleError('dataset_h5_open_failed', `cannot open '${path}' as HDF5`, { path, cause: String(err) });
  }
}

class H5Images implements ImageSource {
  constructor(
    private readonly ds: H5Dataset,
    readonly count: number,
    readonly shape: readonly [number, number, number],
    readonly maxValue: number,
    private readonly leadingAxes: readonly number[],
  ) {}

  readInto(index: number, out: Uint8Array, offset: number): void {
    // A flat image index → one position on the leading axes (one axis for [N, H, W, C]).
    const ranges: [number, number][] = [];
    let rest = index;
    for (let a = this.leadingAxes.length - 1; a >= 0; a--) {
      const i = rest % this.leadingAxes[a];
      rest = Math.floor(rest / this.leadingAxes[a]);
      ranges.unshift([i, i + 1]);
    }
    const data = this.ds.slice(ranges);
    if (!(data instanceof Uint8Array)) throw new UntangleError('dataset_h5_read', 'HDF5 slice did not return uint8 data', { index });
    out.set(data, offset);
  }
}

export function openH5Images(file: H5File, path: string, key: string, hwc: readonly [number, number, number], maxValue: number, what: string): ImageSource {
  const ds = getDataset(file, key, path);
  const meta = ds.metadata;
  // HDF5 type class 0 is integer.
  if (meta.type !== 0 || meta.size !== 1 || meta.signed) {
    throw new UntangleError('dataset_bad_dtype', `${what}: '${key}' in ${path} is not uint8`, { path, key, dtype: ds.dtype });
  }
  const shape = ds.shape ?? [];
  const { count, shape: img } = imagesShape(shape, hwc, `${what} (${path})`);
  const leading = shape.length === 3 ? [shape[0]] : shape.slice(0, shape.length - 3);
  return new H5Images(ds, count, img, maxValue, leading);
}

/** A whole numeric dataset as float64 (labels), with its shape. */
export function readH5Numbers(file: H5File, path: string, key: string): { values: Float64Array; shape: number[] } {
  const ds = getDataset(file, key, path);
  const v = ds.value;
  if (!ArrayBuffer.isView(v) || v instanceof DataView) throw new UntangleError('dataset_h5_read', `'${key}' in ${path} is not a numeric array`, { path, key });
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Number((v as unknown as ArrayLike<number | bigint>)[i]);
  return { values: out, shape: ds.shape ?? [] };
}
