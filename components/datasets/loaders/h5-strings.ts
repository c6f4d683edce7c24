/**
 * String values from HDF5 files as h5py writes them: a Python `str` list becomes a variable-length
 * UTF-8 string dataset or attribute; fixed-length `S` arrays come back from h5wasm as strings too.
 * Integer arrays are accepted as well (names that are numbers), rendered in decimal.
 */
import { UntangleError } from '../../../framework/util/errors.ts';
import { getDataset, type H5Dataset, type H5File } from './h5-images.ts';

function asStrings(v: unknown, what: string, context: Record<string, unknown>): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => String(x));
  throw new UntangleError('dataset_h5_strings', `${what} is not a string or integer array`, { ...context, got: typeof v });
}

/** A 1-D string (or integer) dataset, e.g. SVHN's `style_label` (the origin image names). */
export function readH5Strings(file: H5File, path: string, key: string): string[] {
  return asStrings(getDataset(file, key, path).value, `'${key}' in ${path}`, { path, key });
}

/** A string-list attribute of a dataset, e.g. LibriSpeech's `phonemes`. */
export function readH5StringAttribute(ds: H5Dataset, name: string, path: string): string[] {
  const attr = ds.attrs[name];
  if (!attr) throw new UntangleError('dataset_h5_missing_attr', `dataset '${ds.path}' in ${path} has no attribute '${name}'`, { path, dataset: ds.path, attrs: Object.keys(ds.attrs) });
  return asStrings(attr.value, `attribute '${name}' of '${ds.path}' in ${path}`, { path, dataset: ds.path });
}
