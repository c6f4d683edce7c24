import 'reflect-metadata';
import { ComponentRegistry } from './framework/registry/registry.ts';
import type { ComponentSpec } from './framework/registry/types.ts';
import { specs as models } from './components/models/index.ts';
import { specs as losses } from './components/losses/index.ts';
import { specs as optim } from './components/optim/index.ts';
import { specs as callbacks } from './components/callbacks/index.ts';
import { specs as metrics } from './components/metrics/index.ts';
import { specs as datasets } from './components/datasets/index.ts';
import { specs as disdiff } from './components/models/disdiff/index.ts';
import { specs as sequentialDatasets } from './components/datasets/sequential/index.ts';
import { specs as sequentialModels } from './components/models/sequential/index.ts';
import { specs as sequentialLosses } from './components/losses/sequential/index.ts';
import { specs as sequentialMetrics } from './components/metrics/sequential/index.ts';
import { specs as contentStyleMetrics } from './components/metrics/content-style/index.ts';
import { specs as v3 } from './components/models/v3/index.ts';
import { specs as diffsda } from './components/models/diffsda/index.ts';
import { specs as launchers } from './framework/sweep/index.ts';

/**
 * Every component untangle ships, by target name. A paper's config can only name what is
 * registered here (or by a plugin calling `registry.register`).
 */
export const ALL_SPECS: readonly ComponentSpec[] = [
  ...models, ...losses, ...optim, ...callbacks, ...metrics, ...datasets, ...disdiff,
  ...sequentialDatasets, ...sequentialModels, ...sequentialLosses, ...sequentialMetrics, ...contentStyleMetrics, ...v3, ...diffsda, ...launchers,
];

export function createRegistry(): ComponentRegistry {
  return new ComponentRegistry().registerAll(ALL_SPECS);
}
