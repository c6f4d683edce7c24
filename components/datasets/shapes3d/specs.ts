/**
 * Shapes3D as registered components:
 *  - `untangle.datasets.Shapes3D`: the procedural renderer (render.ts), optionally cached;
 *  - `untangle.datasets.Shapes3DFile`: the real data, either `3dshapes.h5` (images, labels) or
 *    an npz with key `images` (DisDiff's 3dshapes.npz; disentanglement_lib's npz also has labels).
 */
import { extname } from 'node:path';
import { defineComponent } from '../../../framework/registry/types.ts';
import { runCacheDir } from '../cache-dir.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { GroundTruthImages } from '../ground-truth-dataset.ts';
import { FactorGrid } from '../grid.ts';
import { fileFingerprint } from '../fingerprint.ts';
import type { ImageSource } from '../image-source.ts';
import { extractDirSchema, openNpzImages, npyToNumbers } from '../loaders/npz-images.ts';
import { openH5File, openH5Images, readH5Numbers } from '../loaders/h5-images.ts';
import { checkLabelsMatchGrid } from '../loaders/labels.ts';
import { proceduralDataset } from '../procedural.ts';
import { SHAPES3D_FACTOR_NAMES, SHAPES3D_FACTOR_SIZES, SHAPES3D_RENDERER_VERSION, Shapes3DRenderer } from './render.ts';

export type Shapes3DParams = {
  cache_dir?: string;
  cache_verify: boolean;
};

export function createShapes3D(params: Partial<Shapes3DParams> = {}): GroundTruthImages {
  return proceduralDataset({
    name: 'shapes3d',
    generator: SHAPES3D_RENDERER_VERSION,
    params: {},
    factorNames: SHAPES3D_FACTOR_NAMES,
    factorSizes: SHAPES3D_FACTOR_SIZES,
    renderer: new Shapes3DRenderer(),
    cacheDir: params.cache_dir,
    cacheVerify: params.cache_verify ?? true,
  });
}

export const shapes3dSpec = defineComponent<Shapes3DParams, GroundTruthImages>({
  target: 'untangle.datasets.Shapes3D',
  kind: 'dataset',
  description: 'Procedural Shapes3D (floor/wall/object hue 10 × scale 8 × shape 4 × orientation 15, 64×64×3), ray-cast per batch',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      cache_dir: { type: 'string', description: 'directory for a uint8 .npy cache of the full grid (+ manifest with sha256)' },
      cache_verify: { type: 'boolean', default: true, description: 'hash the cache file against its manifest when opening it' },
    },
  },
  create: (params, ctx) => createShapes3D({ ...params, cache_dir: runCacheDir(params.cache_dir, ctx) }),
});

export type Shapes3DFileParams = {
  path: string;
  factor_sizes: number[];
  check_labels: boolean;
  extract_dir?: string;
};

export function createShapes3DFile(params: Partial<Shapes3DFileParams> & { path: string }): GroundTruthImages {
  const p: Shapes3DFileParams = { factor_sizes: [...SHAPES3D_FACTOR_SIZES], check_labels: true, ...params };
  if (p.factor_sizes.length !== SHAPES3D_FACTOR_NAMES.length) {
    throw new UntangleError('dataset_bad_factor_sizes', `Shapes3D has ${SHAPES3D_FACTOR_NAMES.length} factors, got ${p.factor_sizes.length} sizes`, { factor_sizes: p.factor_sizes });
  }
  const ext = extname(p.path).toLowerCase();
  let source: ImageSource;
  let labels: { values: Float64Array; columns: number } | null = null;
  if (ext === '.h5' || ext === '.hdf5') {
    const file = openH5File(p.path);
    source = openH5Images(file, p.path, 'images', [64, 64, 3], 255, 'Shapes3D');
    if (p.check_labels && file.keys().includes('labels')) {
      const l = readH5Numbers(file, p.path, 'labels');
      labels = { values: l.values, columns: l.shape[l.shape.length - 1] ?? 1 };
    }
  } else if (ext === '.npz') {
    const opened = openNpzImages(p.path, 'images', [64, 64, 3], 255, 'Shapes3D', p.extract_dir);
    source = opened.source;
    if (p.check_labels && opened.file.keys().includes('labels')) {
      const l = opened.file.read('labels');
      labels = { values: npyToNumbers(l), columns: l.shape[l.shape.length - 1] ?? 1 };
    }
  } else {
    throw new UntangleError('dataset_unknown_format', `Shapes3D file '${p.path}' is neither .h5 nor .npz`, { path: p.path }, 'point `path` at 3dshapes.h5 or an npz with key `images`');
  }
  if (labels !== null) checkLabelsMatchGrid(labels.values, labels.columns, new FactorGrid(p.factor_sizes), `Shapes3D (${p.path})`);
  return new GroundTruthImages({
    name: 'shapes3d', factorNames: SHAPES3D_FACTOR_NAMES, factorSizes: p.factor_sizes, source,
    fingerprint: () => fileFingerprint('shapes3d', [p.path]),
  });
}

export const shapes3dFileSpec = defineComponent<Shapes3DFileParams, GroundTruthImages>({
  target: 'untangle.datasets.Shapes3DFile',
  kind: 'dataset',
  description: 'The real Shapes3D (3dshapes.h5 via h5wasm, or an npz with key images), kept uint8 and read per batch',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', description: 'path to 3dshapes.h5 or 3dshapes.npz' },
      factor_sizes: { type: 'array', items: { type: 'integer', minimum: 1 }, default: [...SHAPES3D_FACTOR_SIZES], description: 'grid of the file (only for subsets)' },
      check_labels: { type: 'boolean', default: true, description: 'check the labels (when the file has them) against the C-order grid' },
      extract_dir: extractDirSchema,
    },
  },
  create: (params) => createShapes3DFile(params),
});
