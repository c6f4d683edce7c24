/**
 * `untangle.datasets.MPI3D`: an MPI3D npz (mpi3d_toy / realistic / real: key `images`, uint8
 * [1036800, 64, 64, 3], C order over the factors below, as disentanglement_lib reads it).
 */
import { defineComponent } from '../../framework/registry/types.ts';
import { UntangleError } from '../../framework/util/errors.ts';
import { GroundTruthImages } from './ground-truth-dataset.ts';
import { fileFingerprint } from './fingerprint.ts';
import { extractDirSchema, openNpzImages } from './loaders/npz-images.ts';

export const MPI3D_FACTOR_NAMES = ['object_color', 'object_shape', 'object_size', 'camera_height', 'background_color', 'horizontal_axis', 'vertical_axis'] as const;
export const MPI3D_FACTOR_SIZES = [6, 6, 2, 3, 3, 40, 40] as const;

export type MPI3DParams = {
  path: string;
  factor_sizes: number[];
  extract_dir?: string;
};

export function createMPI3D(params: Partial<MPI3DParams> & { path: string }): GroundTruthImages {
  const p: MPI3DParams = { factor_sizes: [...MPI3D_FACTOR_SIZES], ...params };
  if (p.factor_sizes.length !== MPI3D_FACTOR_NAMES.length) {
    throw new UntangleError('dataset_bad_factor_sizes', `MPI3D has ${MPI3D_FACTOR_NAMES.length} factors, got ${p.factor_sizes.length} sizes`, { factor_sizes: p.factor_sizes });
  }
  const { source } = openNpzImages(p.path, 'images', [64, 64, 3], 255, 'MPI3D', p.extract_dir);
  return new GroundTruthImages({
    name: 'mpi3d', factorNames: MPI3D_FACTOR_NAMES, factorSizes: p.factor_sizes, source,
    fingerprint: () => fileFingerprint('mpi3d', [p.path]),
  });
}

export const mpi3dSpec = defineComponent<MPI3DParams, GroundTruthImages>({
  target: 'untangle.datasets.MPI3D',
  kind: 'dataset',
  description: 'MPI3D from its npz (key images, 6×6×2×3×3×40×40 grid), kept uint8 and read per batch',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', description: 'path to mpi3d_toy.npz (or realistic/real)' },
      factor_sizes: { type: 'array', items: { type: 'integer', minimum: 1 }, default: [...MPI3D_FACTOR_SIZES], description: 'grid of the file (only for subsets)' },
      extract_dir: extractDirSchema,
    },
  },
  create: (params) => createMPI3D(params),
});
