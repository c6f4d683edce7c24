/**
 * dSprites as registered components:
 *  - `untangle.datasets.DSprites`: the procedural generator (render.ts), optionally cached;
 *  - `untangle.datasets.DSpritesFile`: the real dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz.
 *
 * Factors: by default the five of disentanglement_lib's `dsprites_full` (named_data.py:
 * `DSprites([1, 2, 3, 4, 5])`), shape, scale, orientation, posX, posY = [3, 6, 40, 32, 32], which is
 * what its studies score. `include_color: true` adds the constant color factor first, as
 * `DSprites()` with its default indices: [1, 3, 6, 40, 32, 32]. A size-1 factor changes no grid
 * index, so both views address the same 737,280 images; it has zero entropy, though, which makes
 * entropy-normalised metrics such as MIG divide by zero, hence the default.
 */
import { defineComponent } from '../../../framework/registry/types.ts';
import { runCacheDir } from '../cache-dir.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { GroundTruthImages } from '../ground-truth-dataset.ts';
import { FactorGrid } from '../grid.ts';
import { fileFingerprint } from '../fingerprint.ts';
import { extractDirSchema, openNpzImages, npyToNumbers } from '../loaders/npz-images.ts';
import { checkLabelsMatchGrid } from '../loaders/labels.ts';
import { proceduralDataset } from '../procedural.ts';
import { DSPRITES_FACTOR_NAMES, DSPRITES_FACTOR_SIZES, DSPRITES_RENDERER_VERSION, DSpritesRenderer } from './render.ts';

/** The observed factors: all six, or the five without color (which must then have size 1). */
function observed(fullSizes: readonly number[], includeColor: boolean): { names: readonly string[]; sizes: number[]; columns: number[] } {
  if (includeColor) return { names: DSPRITES_FACTOR_NAMES, sizes: [...fullSizes], columns: [0, 1, 2, 3, 4, 5] };
  if (fullSizes[0] !== 1) {
    throw new UntangleError('dataset_bad_factor_sizes', `dSprites color has ${fullSizes[0]} values; it can be left out only when it has one`, { factor_sizes: fullSizes }, 'set include_color: true');
  }
  return { names: DSPRITES_FACTOR_NAMES.slice(1), sizes: fullSizes.slice(1), columns: [1, 2, 3, 4, 5] };
}

const includeColorSchema = {
  type: 'boolean', default: false,
  description: "add the constant color factor first ([1,3,6,40,32,32], DSprites()); default is dsprites_full's five factors",
};

export type DSpritesParams = {
  orientation_endpoint: boolean;
  include_color: boolean;
  cache_dir?: string;
  cache_verify: boolean;
};

export function createDSprites(params: Partial<DSpritesParams> = {}): GroundTruthImages {
  const p: DSpritesParams = { orientation_endpoint: true, include_color: false, cache_verify: true, ...params };
  const view = observed(DSPRITES_FACTOR_SIZES, p.include_color);
  return proceduralDataset({
    name: 'dsprites',
    generator: DSPRITES_RENDERER_VERSION,
    // include_color changes the factor rows, not the pixels; it is part of what the run read.
    params: { orientation_endpoint: p.orientation_endpoint, include_color: p.include_color },
    factorNames: view.names,
    factorSizes: view.sizes,
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
      include_color: includeColorSchema,
      cache_dir: { type: 'string', description: 'directory for a uint8 .npy cache of the full grid (+ manifest with sha256)' },
      cache_verify: { type: 'boolean', default: true, description: 'hash the cache file against its manifest when opening it' },
    },
  },
  create: (params, ctx) => createDSprites({ ...params, cache_dir: runCacheDir(params.cache_dir, ctx) }),
});

export type DSpritesFileParams = {
  path: string;
  factor_sizes: number[];
  include_color: boolean;
  check_labels: boolean;
  extract_dir?: string;
};

/**
 * The real file: `imgs` uint8 [N, 64, 64] of 0/1, `latents_classes` int64 [N, 6]. The file is
 * deflated (np.savez_compressed), so `imgs` is inflated into memory once as uint8 (≈ 3 GB for
 * the full set, as numpy does); batches convert to float32 on the fly. `factor_sizes` describes
 * the file's six-factor grid (its metadata's `latents_sizes`), color included.
 */
export function createDSpritesFile(params: Partial<DSpritesFileParams> & { path: string }): GroundTruthImages {
  const p: DSpritesFileParams = { factor_sizes: [...DSPRITES_FACTOR_SIZES], include_color: false, check_labels: true, ...params };
  if (p.factor_sizes.length !== DSPRITES_FACTOR_NAMES.length) {
    throw new UntangleError('dataset_bad_factor_sizes', `the dSprites file has ${DSPRITES_FACTOR_NAMES.length} factors (${DSPRITES_FACTOR_NAMES.join(', ')}), got ${p.factor_sizes.length} sizes`, { factor_sizes: p.factor_sizes });
  }
  const view = observed(p.factor_sizes, p.include_color);
  const { source, file } = openNpzImages(p.path, 'imgs', [64, 64, 1], 1, 'dSprites', p.extract_dir);
  if (p.check_labels && file.keys().includes('latents_classes')) {
    const cls = file.read('latents_classes');
    checkLabelsMatchGrid(npyToNumbers(cls), cls.shape[1] ?? 1, new FactorGrid(view.sizes), `dSprites (${p.path})`, view.columns);
  }
  return new GroundTruthImages({
    name: 'dsprites', factorNames: view.names, factorSizes: view.sizes, source,
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
      factor_sizes: { type: 'array', items: { type: 'integer', minimum: 1 }, default: [...DSPRITES_FACTOR_SIZES], description: "the file's six-factor grid, color first (only for subsets)" },
      include_color: includeColorSchema,
      check_labels: { type: 'boolean', default: true, description: 'check latents_classes against the C-order grid' },
      extract_dir: extractDirSchema,
    },
  },
  create: (params) => createDSpritesFile(params),
});
