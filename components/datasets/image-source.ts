/**
 * Where a data set's images come from: a renderer, an array in memory, or a file read by offset.
 * Every source speaks uint8 (the real files' type, and what caches store); conversion to float32
 * happens per batch, so no data set is ever held as float32.
 */
import { UntangleError } from '../../framework/util/errors.ts';

export interface ImageSource {
  /** Number of images, addressed 0..count-1 in the data set's C-order grid. */
  readonly count: number;
  /** [H, W, C] of one image. */
  readonly shape: readonly [number, number, number];
  /** The uint8 value that means 1.0: 255 for photographs, 1 for dSprites' binary masks. */
  readonly maxValue: number;
  /** Write image `index` (uint8, HWC) into `out` starting at `offset`. */
  readInto(index: number, out: Uint8Array, offset: number): void;
}

export function imageBytes(src: ImageSource): number {
  return src.shape[0] * src.shape[1] * src.shape[2];
}

/** The uint8 images at `indices`, concatenated [B, H, W, C]. */
export function gatherUint8(src: ImageSource, indices: ArrayLike<number>): Uint8Array {
  const per = imageBytes(src);
  const out = new Uint8Array(indices.length * per);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b];
    if (!Number.isInteger(i) || i < 0 || i >= src.count) throw new UntangleError('dataset_index_out_of_range', `image index ${i} is outside [0, ${src.count})`, { index: i, count: src.count });
    src.readInto(i, out, b * per);
  }
  return out;
}

/** Images held in memory as one uint8 array (Cars3D, small files, inflated npz members). */
export class MemoryImages implements ImageSource {
  constructor(
    private readonly data: Uint8Array,
    readonly count: number,
    readonly shape: readonly [number, number, number],
    readonly maxValue = 255,
  ) {
    if (data.length < count * shape[0] * shape[1] * shape[2]) {
      throw new UntangleError('dataset_short_data', 'image array is shorter than count × H × W × C', { bytes: data.length, count, shape });
    }
  }

  readInto(index: number, out: Uint8Array, offset: number): void {
    const per = imageBytes(this);
    out.set(this.data.subarray(index * per, (index + 1) * per), offset);
  }
}

/** Images read on demand through a byte-range reader (an npy/npz member on disk). */
export class RangeImages implements ImageSource {
  constructor(
    private readonly readBytes: (byteOffset: number, length: number) => Uint8Array,
    readonly count: number,
    readonly shape: readonly [number, number, number],
    readonly maxValue = 255,
  ) {}

  readInto(index: number, out: Uint8Array, offset: number): void {
    const per = imageBytes(this);
    out.set(this.readBytes(index * per, per), offset);
  }
}

/**
 * Interpret an array's shape as N images of [H, W, C]: accepts [N, H, W, C], [N, H, W] (one
 * channel, as dSprites' `imgs`), and [f1, ..., fk, H, W, C] (disentanglement_lib's Shapes3D npz
 * keeps the factor axes).
 */
export function imagesShape(shape: readonly number[], expectHW: readonly [number, number, number], what: string): { count: number; shape: [number, number, number] } {
  const [h, w, c] = expectHW;
  const n = shape.length;
  if (n >= 4 && shape[n - 3] === h && shape[n - 2] === w && shape[n - 1] === c) {
    return { count: shape.slice(0, n - 3).reduce((a, b) => a * b, 1), shape: [h, w, c] };
  }
  if (c === 1 && n === 3 && shape[1] === h && shape[2] === w) return { count: shape[0], shape: [h, w, 1] };
  throw new UntangleError('dataset_bad_image_shape', `${what}: images have shape [${shape.join(', ')}], expected [N, ${h}, ${w}, ${c}]`, { shape, expected: expectHW });
}
