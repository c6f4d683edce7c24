/**
 * dSprites as registered components:
 *  - `untangle.datasets.DSprites`: the procedural generator (render.ts), optionally cached;
 *  - `untangle.datasets.DSpritesFile`: the real dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz.
 * Both use disentanglement_lib's full factor list, color first: sizes [1, 3, 6, 40, 32, 32].
 */
import { defineComponent } from '../../../framework/registry/types.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { GroundTruthImages } from '../ground-truth-dataset.ts';
import { FactorGrid } from '../grid.ts';
import { fileFingerprint } from '../fingerprint.ts';
import { openNpzImages, npyToNumbers } from '../loaders/npz-images.ts';
import { checkLabelsMatchGrid } from '../loaders/labels.ts';
import { proceduralDataset } from '../procedural.ts';
import { DSPRITES_FACTOR_NAMES, DSPRITES_FACTOR_SIZES, DSPRITES_RENDERER_VERSION, DSpritesRenderer } from './render.ts';

export interface DSpritesParams {
  orientation_endpoint: boolean;
  cache_dir?: string;
  cache_verify: boolean;
}

export function createDSprites(params: Partial<DSpritesParams> = {}): GroundTruthImages {
  const p: DSpritesParams = { orientation_endpoint: true, cache_verify: true, ...params };
  return proceduralDataset({
    name: 'dsprites',
    generator: DSPRITES_RENDERER_VERSION,
    params: { orientation_endpoint: p.orientation_endpoint },
    factorNames: DSPRITES_FACTOR_NAMES,
    factorSizes: DSPRITES_FACTOR_SIZES,
    renderer: new DSpritesRenderer(p.orientation_endpoint),
    cacheDir: p.cache_dir,
    cacheVerify: p.cache_verify,
  });
}

export const dspritesSpec = defineComponent<DSpritesParams, GroundTruthImages>({
  target: 'untangle.datasets.DSprites',
  kind: 'dataset',
  description: 'Procedural dSprites (3 shapes × 6 scales × 40 orientations × 32 × 32 positions, 64×64×1 binary), rendered per batch',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      orientation_endpoint: { type: 'boolean', default: true, description: 'orientation grid linspace(0, 2π, 40) as the real set (true) or the half-open [0, 2π) grid' },
      cache_dir: { type: 'string', description: 'directory for a uint8 .npy cache of the full grid (+ manifest with sha256)' },
      cache_verify: { type: 'boolean', default: true, description: 'hash the cache file against its manifest when opening it' },
    },
  },
  create: (params) => createDSprites(params),
});

export interface DSpritesFileParams {
  path: string;
  factor_sizes: number[];
  check_labels: boolean;
}

/**
 * The real file: `imgs` uint8 [N, 64, 64] of 0/1, `latents_classes` int64 [N, 6]. The file is
 * deflated (np.savez_compressed), so `imgs` is inflated into memory once as uint8 (≈ 3 GB for
 * the full set, as numpy does); batches convert to float32 on the fly.
 */
export function createDSpritesFile(params: Partial<DSpritesFileParams> & { path: string }): GroundTruthImages {
  const p: DSpritesFileParams = { factor_sizes: [...DSPRITES_FACTOR_SIZES], check_labels: true, ...params };
  if (p.factor_sizes.length !== DSPRITES_FACTOR_NAMES.length) {
    throw new UntangleError('dataset_bad_factor_sizes', `dSprites has ${DSPRITES_FACTOR_NAMES.length} factors (${DSPRITES_FACTOR_NAMES.join(', ')}), got ${p.factor_sizes.length} sizes`, { factor_sizes: p.factor_sizes });
  }
  const { source, file } = openNpzImages(p.path, 'imgs', [64, 64, 1], 1, 'dSprites');
  if (p.check_labels && file.keys().includes('latents_classes')) {
    const cls = file.read('latents_classes');
    checkLabelsMatchGrid(npyToNumbers(cls), cls.shape[1] ?? 1, new FactorGrid(p.factor_sizes), `dSprites (${p.path})`);
  }
  return new GroundTruthImages({
    name: 'dsprites', factorNames: DSPRITES_FACTOR_NAMES, factorSizes: p.factor_sizes, source,
    fingerprint: () => fileFingerprint('dsprites', [p.path]),
  });
}

export const dspritesFileSpec = defineComponent<DSpritesFileParams, GroundTruthImages>({
  target: 'untangle.datasets.DSpritesFile',
  kind: 'dataset',
  description: 'The real dSprites npz (imgs, latents_classes), kept uint8 and converted per batch',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', description: 'path to dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz' },
      factor_sizes: { type: 'array', items: { type: 'integer', minimum: 1 }, default: [...DSPRITES_FACTOR_SIZES], description: 'grid of the file (only for subsets)' },
      check_labels: { type: 'boolean', default: true, description: 'check latents_classes against the C-order grid' },
    },
  },
  create: (params) => createDSpritesFile(params),
});
