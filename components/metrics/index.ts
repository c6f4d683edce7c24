import type { ComponentSpec } from '../../framework/registry/types.ts';
import { BetaVAEScore, betaVaeSpec } from './beta-vae.ts';
import { DCI, dciSpec } from './dci.ts';
import { FactorVAEScore, factorVaeSpec } from './factor-vae.ts';
import { MIG, migSpec } from './mig.ts';
import { Modularity, modularitySpec } from './modularity-explicitness.ts';
import { SAP, sapSpec } from './sap-score.ts';
import { Unsupervised, unsupervisedSpec } from './unsupervised-metrics.ts';

/**
 * The metric specs, for the registry. Typed loosely (ComponentSpec's defaults) because the registry
 * validates params against each schema before calling `create`.
 */
export const specs: ComponentSpec[] = [
  betaVaeSpec, factorVaeSpec, migSpec, dciSpec, sapSpec, modularitySpec, unsupervisedSpec,
] as unknown as ComponentSpec[];

export type { FactorSource, RepresentationFn, Metric, MetricScores } from '../../framework/contracts/index.ts';
export { BetaVAEScore, FactorVAEScore, MIG, DCI, SAP, Modularity, Unsupervised };
