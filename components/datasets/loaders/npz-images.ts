/**
 * Images from one array of an `.npz` (dSprites `imgs`, Shapes3D/MPI3D/Cars3D `images`), kept
 * uint8: stored members are read from disk per image; deflated ones are inflated once, into
 * memory, or into `extract_dir` as a .npy read per image (for members over 4 GiB, or to spare RAM).
 */
import { NpzFile, type NpzArray } from '../../../framework/io/npz.ts';
import type { NpyArray } from '../../../framework/io/npy.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { imagesShape, RangeImages, type ImageSource } from '../image-source.ts';

export interface NpzImages {
  source: ImageSource;
  file: NpzFile;
  storage: NpzArray['storage'];
}

/** The `extract_dir` param, shared by every npz-reading data set. */
export const extractDirSchema = {
  type: 'string',
  description: 'inflate compressed (np.savez_compressed) arrays once into this directory and read them from disk; required for arrays over 4 GiB',
};

export function openNpzImages(path: string, key: string, hwc: readonly [number, number, number], maxValue: number, what: string, extractDir?: string): NpzImages {
  const file = NpzFile.open(path);
  const arr = file.array(key, { extractDir });
  if (arr.header.dtype !== 'uint8') {
    throw new UntangleError('dataset_bad_dtype', `${what}: '${key}' in ${path} is ${arr.header.dtype}, expected uint8`, { path, key, dtype: arr.header.dtype });
  }
  if (arr.header.fortranOrder) {
    throw new UntangleError('dataset_fortran_order', `${what}: '${key}' in ${path} is Fortran-ordered`, { path, key }, 'save it C-ordered (np.ascontiguousarray) first');
  }
  const { count, shape } = imagesShape(arr.header.shape, hwc, `${what} (${path})`);
  return { source: new RangeImages(arr.readBytes, count, shape, maxValue), file, storage: arr.storage };
}

/** An integer npz array (e.g. dSprites `latents_classes`, int64) as plain numbers. */
export function npyToNumbers(a: NpyArray): Float64Array {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < a.data.length; i++) out[i] = Number(a.data[i]);
  return out;
}
