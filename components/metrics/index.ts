import type { ComponentSpec } from '../../framework/registry/types.ts';
import { BetaVAEScore, betaVaeSpec } from './beta-vae.ts';
import { DCI, dciSpec } from './dci.ts';
import { FactorVAEScore, factorVaeSpec } from './factor-vae.ts';
import { MIG, migSpec } from './mig.ts';
import { Modularity, modularitySpec } from './modularity-explicitness.ts';
import { resolveMetricParams } from './params.ts';
import { SAP, sapSpec } from './sap-score.ts';
import type { Metric } from '../../framework/contracts/index.ts';
import { Unsupervised, unsupervisedSpec } from './unsupervised-metrics.ts';

/**
 * The metric specs, for the registry. Typed loosely (ComponentSpec's defaults) because the registry
 * validates params against each schema before calling `create`.
 */
export const specs: ComponentSpec[] = [
  betaVaeSpec, factorVaeSpec, migSpec, dciSpec, sapSpec, modularitySpec, unsupervisedSpec,
] as unknown as ComponentSpec[];

/** A metric under its short name: its spec and a builder that validates and defaults params. */
export interface MetricEntry {
  spec: ComponentSpec;
  build(params?: Record<string, unknown>): Metric;
}

function entry<P>(spec: ComponentSpec<P, Metric>, construct: (params: P) => Metric): MetricEntry {
  return {
    spec: spec as unknown as ComponentSpec,
    build: (params = {}) => construct(resolveMetricParams<P>(spec.target, spec.schema, params)),
  };
}

/** Short names used by `untangle score --metrics` (and as keys of its JSON output). */
export const METRIC_SHORT_NAMES: Record<string, MetricEntry> = {
  betavae: entry(betaVaeSpec, (p) => new BetaVAEScore(p)),
  factorvae: entry(factorVaeSpec, (p) => new FactorVAEScore(p)),
  mig: entry(migSpec, (p) => new MIG(p)),
  dci: entry(dciSpec, (p) => new DCI(p)),
  sap: entry(sapSpec, (p) => new SAP(p)),
  modularity: entry(modularitySpec, (p) => new Modularity(p)),
  unsupervised: entry(unsupervisedSpec, (p) => new Unsupervised(p)),
};

export type { FactorSource, RepresentationFn, Metric, MetricScores } from '../../framework/contracts/index.ts';
export { BetaVAEScore, FactorVAEScore, MIG, DCI, SAP, Modularity, Unsupervised };
