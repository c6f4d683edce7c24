/**
 * Optional cross-check against scikit-learn (not a test: needs python3 with numpy, scipy and
 * scikit-learn). Scores fixed codes/factors with untangle's metric cores and with
 * bench/crosscheck/reference.py, and prints both side by side.
 *   npx tsx bench/crosscheck.ts [python3]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { betaVaeTrainingBatch } from '../components/metrics/beta-vae.ts';
import { LogisticRegression } from '../components/metrics/classifiers/logistic-regression.ts';
import { computeDci } from '../components/metrics/dci.ts';
import { discreteMutualInfo, histogramDiscretize } from '../components/metrics/discrete.ts';
import { computeMig } from '../components/metrics/mig.ts';
import { explicitness, modularityFromMi } from '../components/metrics/modularity-explicitness.ts';
import { averageTopTwoGap, sapScoreMatrix } from '../components/metrics/sap-score.ts';
import type { FactorCodeSample } from '../components/metrics/sampling.ts';
import { computeUnsupervised } from '../components/metrics/unsupervised-metrics.ts';
import { codesRepresentation, gridFactorSource } from '../framework/evaluator/score.ts';
import { writeNpy } from '../framework/io/npy.ts';
import { accuracy } from '../components/metrics/labels.ts';
import { Rng } from '../framework/util/rng.ts';

const python = process.argv[2] ?? 'python3';
const sizes = [4, 4, 3, 5];
const f = sizes.length;
const d = 6;
const rng = new Rng(7);
// A partly entangled representation: codes mix factors linearly, plus noise; two are pure noise.
const mixing = Float64Array.from({ length: d * f }, (_, k) => (Math.floor(k / f) === k % f ? 1 : 0.3 * rng.normal()));

function sample(n: number): FactorCodeSample {
  const factors = new Int32Array(n * f);
  const codes = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) factors[i * f + j] = rng.int(sizes[j]);
    for (let a = 0; a < d; a++) {
      let v = 0.2 * rng.normal();
      for (let j = 0; j < f; j++) v += mixing[a * f + j] * factors[i * f + j];
      codes[i * d + a] = v;
    }
  }
  return { n, d, f, codes, factors };
}

const train = sample(2000);
const test = sample(1000);
const dir = mkdtempSync(join(tmpdir(), 'untangle-crosscheck-'));
writeFileSync(join(dir, 'codes_train.npy'), writeNpy(train.codes, [train.n, d]));
writeFileSync(join(dir, 'factors_train.npy'), writeNpy(train.factors, [train.n, f]));
writeFileSync(join(dir, 'codes_test.npy'), writeNpy(test.codes, [test.n, d]));
writeFileSync(join(dir, 'factors_test.npy'), writeNpy(test.factors, [test.n, f]));

// β-VAE: the classifier step on the same sampled points (sklearn LogisticRegression() defaults).
const gridSizes = [4, 4, 3, 5];
const gridN = gridSizes.reduce((a, b) => a * b, 1);
const gridCodes = new Float32Array(gridN * d);
for (let g = 0; g < gridN; g++) {
  let r = g;
  const fac: number[] = [];
  for (let j = gridSizes.length - 1; j >= 0; j--) { fac[j] = r % gridSizes[j]; r = Math.floor(r / gridSizes[j]); }
  for (let a = 0; a < d; a++) {
    let v = 3 * rng.normal(); // noisy enough that the β-VAE classifier is not perfect
    for (let j = 0; j < f; j++) v += mixing[a * f + j] * fac[j];
    gridCodes[g * d + a] = v;
  }
}
const src = gridFactorSource(gridSizes);
const rep = codesRepresentation(gridCodes, d, gridSizes);
const bvTrain = await betaVaeTrainingBatch(src, rep, 64, 2000, rng);
const bvEval = await betaVaeTrainingBatch(src, rep, 64, 1000, rng);
writeFileSync(join(dir, 'bv_train.npy'), writeNpy(bvTrain.points, [2000, d]));
writeFileSync(join(dir, 'bv_train_labels.npy'), writeNpy(bvTrain.labels, [2000]));
writeFileSync(join(dir, 'bv_eval.npy'), writeNpy(bvEval.points, [1000, d]));
writeFileSync(join(dir, 'bv_eval_labels.npy'), writeNpy(bvEval.labels, [1000]));
const bvModel = new LogisticRegression().fit(bvTrain.points, 2000, d, bvTrain.labels);

const mi = discreteMutualInfo(histogramDiscretize(train.codes, train.n, d, 20), d, train.factors, f, train.n);
const expl = explicitness(train, test);
const ours: Record<string, Record<string, number>> = {
  mig: computeMig(train.codes, train.factors, train.n, d, f, 20),
  modularity: { modularity_score: modularityFromMi(mi, d, f), explicitness_score_train: expl.train, explicitness_score_test: expl.test },
  sap: { SAP_score: averageTopTwoGap(sapScoreMatrix(train, test, false), d, f) },
  dci: computeDci(train, test, new Rng(0)),
  unsupervised: computeUnsupervised(train.codes, train.n, d, 20),
  betavae: {
    train_accuracy: accuracy(bvModel.predict(bvTrain.points, 2000), bvTrain.labels),
    eval_accuracy: accuracy(bvModel.predict(bvEval.points, 1000), bvEval.labels),
    first_train_proba: bvModel.predictProba(bvTrain.points, 1)[0],
  },
};
const reference = JSON.parse(execFileSync(python, [new URL('./crosscheck/reference.py', import.meta.url).pathname, dir], { encoding: 'utf8' })) as Record<string, Record<string, number>>;
console.log('metric.key'.padEnd(52), 'untangle'.padStart(14), 'sklearn'.padStart(14), 'diff'.padStart(10));
ours.dci_sklearn_seed1 = reference.dci; // sklearn against itself with another random_state
for (const [metric, keys] of Object.entries(ours)) {
  for (const [k, v] of Object.entries(keys)) {
    const r = reference[metric]?.[k];
    console.log(`${metric}.${k}`.padEnd(52), v.toFixed(6).padStart(14), (r ?? NaN).toFixed(6).padStart(14), Math.abs(v - (r ?? NaN)).toExponential(1).padStart(10));
  }
}
