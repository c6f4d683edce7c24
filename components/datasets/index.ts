/**
 * Data set components, for the registry: `specs` lists every `dataset` target this area provides.
 */
import type { ComponentSpec } from '../../framework/registry/types.ts';
import { dspritesFileSpec, dspritesSpec } from './dsprites/specs.ts';
import { shapes3dFileSpec, shapes3dSpec } from './shapes3d/specs.ts';
import { mpi3dSpec } from './mpi3d.ts';
import { cars3dSpec } from './cars3d.ts';
import { specs as sequential } from './sequential/index.ts';
import { specs as v3 } from './v3/index.ts';

/** Every data set spec under components/datasets/, sub-folders included. */
export const specs: ComponentSpec[] = [
  dspritesSpec, dspritesFileSpec, shapes3dSpec, shapes3dFileSpec, mpi3dSpec, cars3dSpec,
  ...sequential, ...v3,
];

export { GroundTruthImages } from './ground-truth-dataset.ts';
export { FactorGrid } from './grid.ts';
export { createDSprites, createDSpritesFile } from './dsprites/specs.ts';
export { createShapes3D, createShapes3DFile } from './shapes3d/specs.ts';
export { createMPI3D } from './mpi3d.ts';
export { createCars3D } from './cars3d.ts';
export type { ImageSource } from './image-source.ts';
