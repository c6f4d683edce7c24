import type { ComponentSpec } from '../../framework/registry/types.ts';
import { BetaVAEScore, betaVaeSpec } from './beta-vae.ts';
import { DCI, dciSpec } from './dci.ts';
import { FactorVAEScore, factorVaeSpec } from './factor-vae.ts';
import { MIG, migSpec } from './mig.ts';
import { Modularity, modularitySpec } from './modularity-explicitness.ts';
import { SAP, sapSpec } from './sap-score.ts';
import { Unsupervised, unsupervisedSpec } from './unsupervised-metrics.ts';
import { specs as sequential } from './sequential/index.ts';
import { specs as contentStyle } from './content-style/index.ts';

/**
 * disentanglement_lib's metric specs. Typed loosely (ComponentSpec's defaults) because the registry
 * validates params against each schema before calling `create`.
 */
export const groundTruthSpecs: ComponentSpec[] = [
  betaVaeSpec, factorVaeSpec, migSpec, dciSpec, sapSpec, modularitySpec, unsupervisedSpec,
] as unknown as ComponentSpec[];

/** Every metric spec under components/metrics/, sub-folders included (registry.ts registers this one list). */
export const specs: ComponentSpec[] = [...groundTruthSpecs, ...sequential, ...contentStyle];

export type { FactorSource, RepresentationFn, Metric, MetricScores } from '../../framework/contracts/index.ts';
export { BetaVAEScore, FactorVAEScore, MIG, DCI, SAP, Modularity, Unsupervised };
