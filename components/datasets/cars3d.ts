/**
 * `untangle.datasets.Cars3D`: Reed et al.'s Cars3D, factors [elevation 4, azimuth 24, car 183] in
 * C order, as disentanglement_lib indexes it. Two inputs:
 *  - a directory of `*.mat` files (one per car; `im` uint8 [H, W, 3, 24 azimuths, 4 elevations],
 *    MAT level 5). Cars are numbered in lexicographic file-name order (disentanglement_lib takes
 *    the directory listing order, which the file system decides); images larger than 64×64 are
 *    shrunk with Pillow's antialiased Lanczos filter, as its `thumbnail` does;
 *  - an npz with key `images` uint8 [17568, 64, 64, 3] already in that C order.
 * All 17,568 images are held as uint8 (216 MB).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defineComponent } from '../../framework/registry/types.ts';
import { UntangleError } from '../../framework/util/errors.ts';
import { readMat5 } from '../../framework/io/mat5.ts';
import { GroundTruthImages } from './ground-truth-dataset.ts';
import { FactorGrid } from './grid.ts';
import { fileFingerprint } from './fingerprint.ts';
import { MemoryImages, type ImageSource } from './image-source.ts';
import { extractDirSchema, openNpzImages } from './loaders/npz-images.ts';
import { resizeLanczos } from './loaders/resize.ts';

export const CARS3D_FACTOR_NAMES = ['elevation', 'azimuth', 'object_type'] as const;
export const CARS3D_FACTOR_SIZES = [4, 24, 183] as const;
const OUT = 64;

export type Cars3DParams = {
  path: string;
  factor_sizes: number[];
  extract_dir?: string;
};

/** Read every car's `im` into one C-ordered uint8 array [elev, azi, car, 64, 64, 3]. */
function loadMatDirectory(dir: string, files: string[], grid: FactorGrid): Uint8Array {
  const [nElev, nAzi, nCars] = grid.sizes;
  if (files.length !== nCars) {
    throw new UntangleError('dataset_count_mismatch', `Cars3D: ${files.length} .mat files in ${dir}, factor sizes say ${nCars} cars`, { dir, files: files.length, cars: nCars }, 'pass `factor_sizes` describing the files');
  }
  const per = OUT * OUT * 3;
  const out = new Uint8Array(grid.count * per);
  files.forEach((name, car) => {
    const path = join(dir, name);
    const mat = readMat5(readFileSync(path), path);
    const im = mat.arrays.get('im');
    if (im === undefined) throw new UntangleError('dataset_mat_missing_var', `Cars3D: no variable 'im' in ${path}`, { path, variables: [...mat.arrays.keys()], skipped: mat.skipped });
    const [h, w, c, azi, elev] = im.dims;
    if (im.dims.length !== 5 || c !== 3 || azi !== nAzi || elev !== nElev || !(im.data instanceof Uint8Array)) {
      throw new UntangleError('dataset_bad_image_shape', `Cars3D: 'im' in ${path} is ${im.className} [${im.dims.join(', ')}], expected uint8 [H, W, 3, ${nAzi}, ${nElev}]`, { path, dims: im.dims, className: im.className });
    }
    if (h < OUT || w < OUT) throw new UntangleError('dataset_bad_image_shape', `Cars3D: images in ${path} are ${h}×${w}, smaller than 64×64`, { path, h, w });
    const data = im.data;
    const frame = new Uint8Array(h * w * 3);
    for (let e = 0; e < elev; e++) {
      for (let a = 0; a < azi; a++) {
        // Column-major [h, w, c, a, e] → one HWC frame.
        const base = h * w * 3 * (a + azi * e);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < 3; ch++) frame[(y * w + x) * 3 + ch] = data[base + y + h * (x + w * ch)];
        const small = h === OUT && w === OUT ? frame : resizeLanczos(frame, h, w, 3, OUT, OUT);
        const idx = grid.factorsToIndex(Int32Array.of(e, a, car), 1)[0];
        out.set(small, idx * per);
      }
    }
  });
  return out;
}

export function createCars3D(params: Partial<Cars3DParams> & { path: string }): GroundTruthImages {
  const p: Cars3DParams = { factor_sizes: [...CARS3D_FACTOR_SIZES], ...params };
  if (p.factor_sizes.length !== 3) throw new UntangleError('dataset_bad_factor_sizes', `Cars3D has 3 factors, got ${p.factor_sizes.length} sizes`, { factor_sizes: p.factor_sizes });
  const grid = new FactorGrid(p.factor_sizes);
  let source: ImageSource;
  let fingerprintPaths: string[];
  let isDir = false;
  try {
    isDir = statSync(p.path).isDirectory();
  } catch (err) {
    throw new UntangleError('dataset_file_missing', `Cars3D path '${p.path}' does not exist`, { path: p.path, cause: String(err) });
  }
  if (isDir) {
    const files = readdirSync(p.path).filter((f) => f.endsWith('.mat')).sort();
    source = new MemoryImages(loadMatDirectory(p.path, files, grid), grid.count, [OUT, OUT, 3], 255);
    fingerprintPaths = files.map((f) => join(p.path, f));
  } else {
    source = openNpzImages(p.path, 'images', [OUT, OUT, 3], 255, 'Cars3D', p.extract_dir).source;
    fingerprintPaths = [p.path];
  }
  return new GroundTruthImages({
    name: 'cars3d', factorNames: CARS3D_FACTOR_NAMES, factorSizes: p.factor_sizes, source,
    fingerprint: () => fileFingerprint('cars3d', fingerprintPaths),
  });
}

export const cars3dSpec = defineComponent<Cars3DParams, GroundTruthImages>({
  target: 'untangle.datasets.Cars3D',
  kind: 'dataset',
  description: 'Cars3D from the Reed et al. .mat files (or an npz with key images), 4×24×183 grid, 64×64×3',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', description: 'directory of car_*_mesh.mat files, or an npz with key images' },
      factor_sizes: { type: 'array', items: { type: 'integer', minimum: 1 }, default: [...CARS3D_FACTOR_SIZES], description: 'grid of the files (only for subsets)' },
      extract_dir: extractDirSchema,
    },
  },
  create: (params) => createCars3D(params),
});
