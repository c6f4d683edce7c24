import { describe, expect, it } from 'vitest';
import { groundTruthSpecs as specs } from '../components/metrics/index.ts';
import { createRegistry } from '../registry.ts';
import { buildMetrics } from '../framework/evaluator/score.ts';
import { deriveSeed } from '../framework/util/rng.ts';
import { readNpy, writeNpy } from '../framework/io/npy.ts';
import { codesFromNpy, codesRepresentation, gridFactorSource, gridIndices, scoreCodes, scoreRepresentation } from '../framework/evaluator/score.ts';
import { Rng } from '../framework/util/rng.ts';

const registry = createRegistry();
const SIZES = [4, 4, 3, 5];
const GRID = SIZES.reduce((a, b) => a * b, 1);

/** Factor row of a C-order grid index (last factor fastest), computed independently of score.ts. */
function factorsOf(index: number, sizes: number[]): number[] {
  const out = new Array<number>(sizes.length);
  for (let j = sizes.length - 1; j >= 0; j--) {
    out[j] = index % sizes[j];
    index = Math.floor(index / sizes[j]);
  }
  return out;
}

/** Codes for every grid point: column c is build(factors, rng) [c]. */
function gridCodes(dim: number, build: (factors: number[], rng: Rng) => number[], seed = 1): Float32Array {
  const rng = new Rng(seed);
  const codes = new Float32Array(GRID * dim);
  for (let g = 0; g < GRID; g++) codes.set(build(factorsOf(g, SIZES), rng), g * dim);
  return codes;
}

const identityCodes = gridCodes(4, (f, rng) => f.map((v) => v + 0.05 * rng.normal()));
const randomCodes = gridCodes(4, (_f, rng) => [rng.normal(), rng.normal(), rng.normal(), rng.normal()]);

const FAST = {
  dci: { num_train: 1500, num_test: 500 },
  sap: { num_train: 2000, num_test: 1000 },
  modularity: { num_train: 2000, num_test: 1000 },
  betavae: { num_train: 300, num_eval: 200 },
  factorvae: { num_train: 500, num_eval: 300, num_variance_estimate: 2000 },
};

describe('grid factor source and codes representation', () => {
  it('maps factor rows to C-order grid indices (last factor fastest)', () => {
    const rows = Int32Array.from([0, 0, 0, 1, 0, 0, 2, 1, 1, 0, 0, 0, 3, 3, 2, 4]);
    expect(Array.from(gridIndices(rows, 4, SIZES))).toEqual([1, 11, 60, GRID - 1]);
  });

  it('looks codes up by grid index', async () => {
    const represent = codesRepresentation(identityCodes, 4, SIZES);
    const out = await represent(Int32Array.from([3, 3, 2, 4, 1, 0, 0, 0]), 2);
    expect(Array.from(out.subarray(0, 4))).toEqual(Array.from(identityCodes.subarray((GRID - 1) * 4, GRID * 4)));
    expect(Array.from(out.subarray(4, 8))).toEqual(Array.from(identityCodes.subarray(60 * 4, 61 * 4)));
  });

  it('refuses non-finite codes with the offending row', async () => {
    const bad = Float32Array.from(identityCodes);
    bad[7 * 4 + 2] = NaN;
    await expect(scoreCodes({ registry, factorSizes: SIZES, codes: bad, dim: 4, metrics: ['mig'], seed: 0, overrides: { mig: { num_train: 5000 } } }))
      .rejects.toMatchObject({ code: 'metric.nonfinite_codes' });
  });

  it('rejects codes that do not cover the grid and factors out of range', async () => {
    expect(() => codesRepresentation(new Float32Array(10), 4, SIZES)).toThrow(/cover the factor grid/);
    const represent = codesRepresentation(identityCodes, 4, SIZES);
    await expect(represent(Int32Array.from([4, 0, 0, 0]), 1)).rejects.toThrow(/outside/);
  });

  it('samples every factor uniformly within its range', () => {
    const src = gridFactorSource(SIZES);
    const rows = src.sampleFactors(20000, new Rng(3));
    for (let j = 0; j < SIZES.length; j++) {
      const counts = new Array<number>(SIZES[j]).fill(0);
      for (let i = 0; i < 20000; i++) counts[rows[i * 4 + j]]++;
      for (const c of counts) expect(Math.abs(c / 20000 - 1 / SIZES[j])).toBeLessThan(0.02);
    }
  });
});

describe('metrics on codes with known structure', () => {
  it('codes equal to the factors: MIG and DCI disentanglement/completeness near 1', async () => {
    const r = await scoreCodes({ registry, factorSizes: SIZES, codes: identityCodes, dim: 4, metrics: ['mig', 'dci'], seed: 0, overrides: { dci: FAST.dci } });
    expect(r.mig.discrete_mig).toBeGreaterThan(0.9);
    expect(r.dci.disentanglement).toBeGreaterThan(0.9);
    expect(r.dci.completeness).toBeGreaterThan(0.9);
    expect(r.dci.informativeness_test).toBeGreaterThan(0.99);
  });

  it('random codes: MIG near 0 and DCI disentanglement low', async () => {
    const r = await scoreCodes({ registry, factorSizes: SIZES, codes: randomCodes, dim: 4, metrics: ['mig', 'dci'], seed: 0, overrides: { dci: FAST.dci } });
    expect(r.mig.discrete_mig).toBeLessThan(0.05);
    expect(r.dci.disentanglement).toBeLessThan(0.3);
  });

  it('a code that copies one factor twice pays the hand-computed completeness penalty', async () => {
    // codes: f0, f0, f1, f2, f3 (exact copies). Each factor's GBT importances sum to 1, so each
    // factor weighs ¼; factor 0's importance splits about evenly over its two copies (ties broken
    // by random feature order), giving completeness ≈ 1 − ¼ · ln 2 / ln 5.
    const copies = gridCodes(5, (f) => [f[0], f[0], f[1], f[2], f[3]]);
    const r = await scoreCodes({ registry, factorSizes: SIZES, codes: copies, dim: 5, metrics: ['dci'], seed: 0, overrides: { dci: FAST.dci } });
    const expected = 1 - (0.25 * Math.LN2) / Math.log(5);
    expect(r.dci.completeness).toBeGreaterThan(expected - 0.01);
    expect(r.dci.completeness).toBeLessThan(expected + 0.02);
    expect(r.dci.disentanglement).toBeGreaterThan(0.97);
  });

  it('scores the same after permuting code dimensions', async () => {
    const perm = [2, 0, 3, 1];
    const permuted = new Float32Array(identityCodes.length);
    for (let g = 0; g < GRID; g++) for (let c = 0; c < 4; c++) permuted[g * 4 + c] = identityCodes[g * 4 + perm[c]];
    const metrics = ['mig', 'sap', 'modularity', 'factorvae', 'unsupervised', 'betavae'];
    const opts = { factorSizes: SIZES, dim: 4, metrics, seed: 3, overrides: { sap: FAST.sap, modularity: FAST.modularity, factorvae: FAST.factorvae, betavae: FAST.betavae } };
    const a = await scoreCodes({ registry, ...opts, codes: identityCodes });
    const b = await scoreCodes({ registry, ...opts, codes: permuted });
    for (const m of metrics) {
      for (const k of Object.keys(a[m])) expect(b[m][k], `${m}.${k}`).toBeCloseTo(a[m][k], 6);
    }
  });

  it('FactorVAE prunes collapsed dims (std < 0.05) and counts the active ones', async () => {
    // 4 informative codes, one constant code and one with std 0.01
    const codes = gridCodes(6, (f, rng) => [f[0], f[1], f[2], f[3], 1.5, 0.01 * rng.normal()]);
    const r = await scoreCodes({ registry, factorSizes: SIZES, codes, dim: 6, metrics: ['factorvae'], seed: 0, overrides: { factorvae: FAST.factorvae } });
    expect(r.factorvae.num_active_dims).toBe(4);
    // fixing factor k zeroes the variance of code k: every vote is right
    expect(r.factorvae.train_accuracy).toBe(1);
    expect(r.factorvae.eval_accuracy).toBe(1);
  });

  it('β-VAE score separates factors for disentangled codes and is near chance for random ones', async () => {
    const good = await scoreCodes({ registry, factorSizes: SIZES, codes: identityCodes, dim: 4, metrics: ['betavae'], seed: 0, overrides: { betavae: FAST.betavae } });
    expect(good.betavae.train_accuracy).toBeGreaterThan(0.98);
    expect(good.betavae.eval_accuracy).toBeGreaterThan(0.98);
    const bad = await scoreCodes({ registry, factorSizes: SIZES, codes: randomCodes, dim: 4, metrics: ['betavae'], seed: 0, overrides: { betavae: FAST.betavae } });
    expect(bad.betavae.eval_accuracy).toBeLessThan(0.5);
  });

  it('SAP, modularity and explicitness rank disentangled above random codes', async () => {
    const metrics = ['sap', 'modularity'];
    const overrides = { sap: FAST.sap, modularity: FAST.modularity };
    const good = await scoreCodes({ registry, factorSizes: SIZES, codes: identityCodes, dim: 4, metrics, seed: 0, overrides });
    const bad = await scoreCodes({ registry, factorSizes: SIZES, codes: randomCodes, dim: 4, metrics, seed: 0, overrides });
    expect(good.sap.SAP_score).toBeGreaterThan(0.3);
    expect(bad.sap.SAP_score).toBeLessThan(0.05);
    expect(good.modularity.modularity_score).toBeGreaterThan(0.95);
    expect(good.modularity.explicitness_score_test).toBeGreaterThan(0.95);
    expect(bad.modularity.explicitness_score_test).toBeLessThan(0.6);
  });
});

describe('scoreCodes', () => {
  it('is deterministic per seed, and a metric’s numbers do not depend on the other metrics run', async () => {
    const base = { factorSizes: SIZES, codes: randomCodes, dim: 4, overrides: { sap: FAST.sap } };
    const a = await scoreCodes({ registry, ...base, metrics: ['mig', 'sap'], seed: 5 });
    const b = await scoreCodes({ registry, ...base, metrics: ['sap', 'mig'], seed: 5 });
    const c = await scoreCodes({ registry, ...base, metrics: ['mig'], seed: 5 });
    const d = await scoreCodes({ registry, ...base, metrics: ['mig'], seed: 6 });
    expect(b).toEqual(a);
    expect(c.mig).toEqual(a.mig);
    expect(d.mig.discrete_mig).not.toBe(a.mig.discrete_mig);
  });

  it('rejects unknown metrics and invalid params with UntangleErrors', async () => {
    const base = { factorSizes: SIZES, codes: randomCodes, dim: 4, seed: 0 };
    await expect(scoreCodes({ registry, ...base, metrics: ['nope'] })).rejects.toMatchObject({ code: 'score.unknown_metric' });
    await expect(scoreCodes({ registry, ...base, metrics: ['mig'], overrides: { mig: { num_trian: 5 } } })).rejects.toMatchObject({ code: 'metric.bad_params' });
    await expect(scoreCodes({ registry, ...base, metrics: ['mig'], overrides: { mig: { num_train: 0 } } })).rejects.toMatchObject({ code: 'metric.bad_params' });
  });

  it('specs carry disentanglement_lib defaults and targets', () => {
    const defaults = (name: string): Record<string, unknown> => {
      const props = registry.resolveName('metric', name)?.schema.properties as Record<string, { default: unknown }>;
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.default]));
    };
    expect(defaults('betavae')).toEqual({ batch_size: 64, num_train: 10000, num_eval: 5000 });
    expect(defaults('factorvae')).toEqual({ batch_size: 64, num_train: 10000, num_eval: 5000, num_variance_estimate: 10000, prune_threshold: 0.05 });
    expect(defaults('mig')).toEqual({ num_train: 10000, batch_size: 16, num_bins: 20 });
    expect(defaults('dci')).toEqual({ num_train: 10000, num_test: 5000, batch_size: 16 });
    expect(defaults('sap')).toEqual({ num_train: 10000, num_test: 5000, batch_size: 16, continuous_factors: false });
    expect(defaults('modularity')).toEqual({ num_train: 10000, num_test: 5000, batch_size: 16, num_bins: 20 });
    expect(defaults('unsupervised')).toEqual({ num_train: 10000, batch_size: 16, num_bins: 20 });
    expect(registry.aliases('metric')).toEqual(['betavae', 'dci', 'factorvae', 'mig', 'modularity', 'sap', 'unsupervised']);
    expect(['betavae', 'dci', 'factorvae', 'mig', 'modularity', 'sap', 'unsupervised'].map((a) => registry.resolveName('metric', a)?.target).sort()).toEqual([
      'untangle.metrics.BetaVAEScore', 'untangle.metrics.DCI', 'untangle.metrics.FactorVAEScore', 'untangle.metrics.MIG',
      'untangle.metrics.Modularity', 'untangle.metrics.SAP', 'untangle.metrics.Unsupervised',
    ]);
  });
});

describe('wiring for the CLI and the registry', () => {
  it('scores codes read back from a .npy file exactly like the in-memory codes', async () => {
    const file = writeNpy(identityCodes, [GRID, 4]);
    const { codes, dim, rows } = codesFromNpy(readNpy(file));
    expect([rows, dim]).toEqual([GRID, 4]);
    const fromFile = await scoreCodes({ registry, factorSizes: SIZES, codes, dim, metrics: ['mig'], seed: 0 });
    const inMemory = await scoreCodes({ registry, factorSizes: SIZES, codes: identityCodes, dim: 4, metrics: ['mig'], seed: 0 });
    expect(fromFile).toEqual(inMemory);
    const f64 = codesFromNpy(readNpy(writeNpy(Float64Array.from(identityCodes), [GRID, 4])));
    expect(Array.from(f64.codes)).toEqual(Array.from(identityCodes));
    expect(() => codesFromNpy(readNpy(writeNpy(identityCodes, [GRID * 4])))).toThrow(/2-D/);
  });

  it('scoreRepresentation takes any factor source and representation function (untangle eval)', async () => {
    const source = gridFactorSource(SIZES);
    const represent = codesRepresentation(identityCodes, 4, SIZES);
    const a = await scoreRepresentation({ registry, source, represent, metrics: ['mig'], seed: 2 });
    const b = await scoreCodes({ registry, factorSizes: SIZES, codes: identityCodes, dim: 4, metrics: ['mig'], seed: 2 });
    expect(a).toEqual(b);
  });

  it('exports one metric spec per target, each built through the registry from its defaults', async () => {
    expect(specs.length).toBe(7);
    for (const spec of specs) {
      expect(spec.kind).toBe('metric');
      expect(spec.schema.additionalProperties).toBe(false);
    }
    const { metrics } = buildMetrics({ registry, metrics: specs.map((s) => s.target), seed: 0, overrides: Object.fromEntries(specs.map((s) => [s.target, { num_train: 200 }])) });
    for (const spec of specs) expect(typeof metrics[spec.target].compute).toBe('function');
    const r = await buildMetrics({ registry, metrics: ['mig'], seed: 0 }).metrics.mig.compute(gridFactorSource(SIZES), codesRepresentation(identityCodes, 4, SIZES), new Rng(0));
    expect(Object.keys(r)).toEqual(['discrete_mig']);
  });

  it('gives each metric the seed the registry derives for its path, and the params a config would', () => {
    const { metrics, seeds } = buildMetrics({ registry, metrics: ['mig', 'untangle.metrics.DCI'], seed: 7, overrides: { mig: { num_bins: 5 } } });
    expect(seeds.mig).toBe(deriveSeed(7, 'metrics.mig'));
    expect(seeds['untangle.metrics.DCI']).toBe(deriveSeed(7, 'metrics.untangle.metrics.DCI'));
    // Defaults filled from the schema, the override kept (MIG stores its params as fields).
    expect(metrics.mig).toMatchObject({ params: { num_bins: 5, num_train: 10000, batch_size: 16 } });
  });
});
