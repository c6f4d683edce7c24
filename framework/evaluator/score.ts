import type { FactorSource, Metric, RepresentationFn } from '../contracts/index.ts';
import type { NpyArray } from '../io/npy.ts';
import type { ComponentRegistry } from '../registry/registry.ts';
import type { ComponentNode } from '../registry/types.ts';
import { buildSection } from '../registry/build.ts';
import { ConfigError, formatIssue } from '../config/issues.ts';
import { UntangleError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';

/**
 * The scoring core behind `untangle score` (and `untangle eval`): saved codes for every point of a
 * full factor grid are scored with disentanglement_lib's metrics, the codes playing the role of the
 * representation function.
 */

function checkFactorSizes(factorSizes: readonly number[]): void {
  if (factorSizes.length === 0 || factorSizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new UntangleError('score.factor_sizes', 'factor sizes must be a non-empty list of positive integers', { factorSizes });
  }
}

/**
 * The [N, d] code matrix of a codes.npy as float32 rows (float64 and integer files are converted,
 * as a TF representation would be float32), or an error naming what is wrong with the file.
 */
export function codesFromNpy(arr: NpyArray, path = 'codes.npy'): { codes: Float32Array; dim: number; rows: number } {
  if (arr.shape.length !== 2) {
    throw new UntangleError('score.codes_rank', `${path} must be a 2-D [N, d] array`, { path, shape: arr.shape },
      'save the codes as one row per grid point, e.g. np.save(path, z.reshape(len(z), -1))');
  }
  const [rows, dim] = arr.shape;
  const data = arr.data;
  const codes = data instanceof Float32Array ? data
    : data instanceof BigInt64Array ? Float32Array.from(data, (v) => Number(v))
    : Float32Array.from(data);
  return { codes, dim, rows };
}

/** A FactorSource over the full grid, each factor drawn uniformly (column by column, as the library's StateSpace does). */
export function gridFactorSource(factorSizes: readonly number[]): FactorSource {
  checkFactorSizes(factorSizes);
  const sizes = [...factorSizes];
  const f = sizes.length;
  return {
    factorSizes: sizes,
    sampleFactors(n: number, rng: Rng): Int32Array {
      const out = new Int32Array(n * f);
      for (let j = 0; j < f; j++) for (let i = 0; i < n; i++) out[i * f + j] = rng.int(sizes[j]);
      return out;
    },
  };
}

/** C-order grid index (last factor fastest) of each of n factor rows. */
export function gridIndices(factors: Int32Array, n: number, factorSizes: readonly number[]): Int32Array {
  const f = factorSizes.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let idx = 0;
    for (let j = 0; j < f; j++) {
      const v = factors[i * f + j];
      if (v < 0 || v >= factorSizes[j]) {
        throw new UntangleError('score.factor_range', `factor ${j} value ${v} is outside 0..${factorSizes[j] - 1}`, { row: i, factor: j, value: v });
      }
      idx = idx * factorSizes[j] + v;
    }
    out[i] = idx;
  }
  return out;
}

/** A representation function that returns row `gridIndex(factors)` of an [N, dim] code matrix. */
export function codesRepresentation(codes: Float32Array, dim: number, factorSizes: readonly number[]): RepresentationFn {
  checkFactorSizes(factorSizes);
  const gridSize = factorSizes.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(dim) || dim < 1 || codes.length !== gridSize * dim) {
    throw new UntangleError('score.codes_shape', 'codes do not cover the factor grid: expected one row per grid point',
      { rows: dim > 0 ? codes.length / dim : undefined, dim, grid_points: gridSize, factor_sizes: factorSizes },
      'codes.npy must be [prod(factor sizes), d], rows in C order of the factors (last factor fastest)');
  }
  return async (factors: Int32Array, n: number): Promise<Float32Array> => {
    const idx = gridIndices(factors, n, factorSizes);
    const out = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) out.set(codes.subarray(idx[i] * dim, (idx[i] + 1) * dim), i * dim);
    return out;
  };
}

interface MetricChoice {
  /** Where the metrics come from: names are metric aliases (`mig`) or full targets. */
  registry: ComponentRegistry;
  /** Metric names: a registered metric's alias (mig, dci, sap, modularity, betavae, factorvae, unsupervised) or its target. */
  metrics: readonly string[];
  seed: number;
  /** Per-metric param overrides, e.g. `{ dci: { num_train: 1000 } }`; entries for metrics not run are ignored. */
  overrides?: Record<string, Record<string, unknown>>;
}

export interface ScoreCodesOptions extends MetricChoice {
  factorSizes: readonly number[];
  /** Row-major [prod(factorSizes), dim] codes. */
  codes: Float32Array;
  dim: number;
}

export interface ScoreRepresentationOptions extends MetricChoice {
  source: FactorSource;
  represent: RepresentationFn;
}

/**
 * Builds the named metrics through the registry, as a config's `metrics.<name>: {target, params}`
 * section would be built: the same schema check and defaults, and each metric's seed is the one the
 * registry derives for its path `metrics.<name>` from the root seed. Bad params fail here, before
 * any slow work.
 */
export function buildMetrics(opts: MetricChoice): { metrics: Record<string, Metric>; seeds: Record<string, number> } {
  const nodes: Record<string, ComponentNode> = {};
  const unknown: string[] = [];
  for (const name of opts.metrics) {
    const spec = opts.registry.resolveName('metric', name);
    if (spec) nodes[name] = { target: spec.target, params: { ...(opts.overrides?.[name] ?? {}) } };
    else unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new UntangleError('score.unknown_metric', `unknown metric ${unknown.join(', ')}`, { unknown, known: opts.registry.aliases('metric') },
      'name a metric by its short name or its target (`untangle ls metric`)');
  }
  try {
    const { built, seeds } = buildSection<Metric>(opts.registry, 'metric', nodes, { rootSeed: opts.seed, section: 'metrics' });
    return { metrics: built, seeds };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new UntangleError('metric.bad_params', `invalid metric params: ${e.issues.map((i) => formatIssue(i).replace(/^<command line>: /, '')).join('; ')}`,
      { metrics: opts.metrics.join(', ') }, 'see each metric\'s params with `untangle ls metric`');
  }
}

/**
 * Scores a representation function with each named metric (the core of `untangle eval`, where
 * `represent` is the model's encoder over a data set's observations). Each metric gets its own Rng
 * seeded from (seed, its path), so a metric's numbers do not depend on which other metrics run or
 * in what order.
 */
export async function scoreRepresentation(opts: ScoreRepresentationOptions): Promise<Record<string, Record<string, number>>> {
  const { metrics, seeds } = buildMetrics(opts);
  const out: Record<string, Record<string, number>> = {};
  for (const [name, metric] of Object.entries(metrics)) {
    out[name] = await metric.compute(opts.source, opts.represent, new Rng(seeds[name]));
  }
  return out;
}

/** Scores saved codes of a full factor grid (`untangle score`). */
export async function scoreCodes(opts: ScoreCodesOptions): Promise<Record<string, Record<string, number>>> {
  const { factorSizes, codes, dim, ...choice } = opts;
  return scoreRepresentation({
    ...choice,
    source: gridFactorSource(factorSizes),
    represent: codesRepresentation(codes, dim, factorSizes),
  });
}
