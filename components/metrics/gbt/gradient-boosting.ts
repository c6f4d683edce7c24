import type { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { encodeLabels } from '../labels.ts';
import {
  applyTree, fitRegressionTree, presortFeatures, treeImportances, TreeWorkspace,
  type RegressionTree,
} from './regression-tree.ts';

/**
 * A gradient-boosted tree classifier with the semantics of sklearn's
 * `GradientBoostingClassifier()` defaults, which disentanglement_lib's DCI uses:
 * log-loss (binomial deviance for two classes, multinomial deviance with one tree per class and
 * stage otherwise), 100 stages, learning rate 0.1, depth-3 friedman_mse trees, no subsampling,
 * a class-prior initial model, one Newton step per leaf, and impurity-based feature importances.
 *
 * No maintained npm package reproduces these semantics, so untangle carries this one module.
 */
export interface GradientBoostingParams {
  nEstimators: number;
  learningRate: number;
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
}

export const GBT_DEFAULTS: GradientBoostingParams = {
  nEstimators: 100,
  learningRate: 0.1,
  maxDepth: 3,
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
};

const FLOAT32_EPS = 1.1920928955078125e-7;

export class GradientBoostingClassifier {
  readonly params: GradientBoostingParams;
  /** Sorted distinct training labels; predictions are drawn from these. */
  classes: Int32Array = new Int32Array(0);
  /** Initial raw score per tree column (log-odds of the prior, or log prior per class). */
  initRaw: Float64Array = new Float64Array(0);
  /** stages[s][k] is the tree for column k of stage s. */
  stages: RegressionTree[][] = [];
  private numFeatures = 0;

  constructor(params: Partial<GradientBoostingParams> = {}, private readonly rng: Rng) {
    this.params = { ...GBT_DEFAULTS, ...params };
  }

  /** Number of raw-score columns: 1 for two classes, K otherwise. */
  get numColumns(): number {
    return this.classes.length === 2 ? 1 : this.classes.length;
  }

  /** x: row-major n × d float32 features; y: integer labels. */
  fit(x: Float32Array, n: number, d: number, y: ArrayLike<number>): this {
    this.numFeatures = d;
    const labels = encodeLabels(y, n);
    this.classes = labels.classes;
    const K = labels.classes.length;
    if (K < 2) {
      throw new UntangleError('gbt.single_class', 'gradient boosting needs at least two classes in the training labels',
        { classes: Array.from(labels.classes), n }, 'sample more points or drop the constant factor');
    }
    const cols = this.numColumns;
    // Prior model (sklearn's DummyClassifier(strategy='prior'), probabilities clipped to float32 eps).
    const counts = new Float64Array(K);
    for (let i = 0; i < n; i++) counts[labels.index[i]] += 1;
    const prior = Array.from(counts, (c) => Math.min(Math.max(c / n, FLOAT32_EPS), 1 - FLOAT32_EPS));
    this.initRaw = cols === 1
      ? Float64Array.of(Math.log(prior[1] / (1 - prior[1])))
      : Float64Array.from(prior, Math.log);

    // Training scores and probabilities are column-major (cols × n): every pass below reads one
    // class column sequentially.
    const raw = new Float64Array(n * cols);
    for (let k = 0; k < cols; k++) raw.fill(this.initRaw[k], k * n, (k + 1) * n);
    const data = presortFeatures(x, n, d);
    const ws = new TreeWorkspace(data);
    const leafOf = new Int32Array(n);
    const prob = new Float64Array(n * cols);
    const residual = new Float64Array(n);
    const treeParams = {
      maxDepth: this.params.maxDepth,
      minSamplesSplit: this.params.minSamplesSplit,
      minSamplesLeaf: this.params.minSamplesLeaf,
    };
    // Multinomial Newton steps are shrunk by (K-1)/K (Friedman 2001, Alg. 6), as sklearn does.
    const newtonScale = cols === 1 ? 1 : (K - 1) / K;
    this.stages = [];
    for (let s = 0; s < this.params.nEstimators; s++) {
      // All of a stage's gradients come from the raw scores at the start of the stage.
      probabilities(raw, n, cols, prob);
      const stage: RegressionTree[] = [];
      for (let k = 0; k < cols; k++) {
        const positive = cols === 1 ? 1 : k;
        for (let i = 0; i < n; i++) residual[i] = (labels.index[i] === positive ? 1 : 0) - prob[k * n + i];
        const tree = fitRegressionTree(data, residual, treeParams, this.rng, ws, leafOf);
        // One Newton step per leaf: Σ residual / Σ p(1 − p).
        const num = new Float64Array(tree.nodeCount);
        const den = new Float64Array(tree.nodeCount);
        for (let i = 0; i < n; i++) {
          const p = prob[k * n + i];
          num[leafOf[i]] += residual[i];
          den[leafOf[i]] += p * (1 - p);
        }
        for (let node = 0; node < tree.nodeCount; node++) {
          if (tree.left[node] !== -1) continue;
          tree.value[node] = Math.abs(den[node]) < 1e-150 ? 0 : (num[node] * newtonScale) / den[node];
        }
        const lr = this.params.learningRate;
        for (let i = 0; i < n; i++) raw[k * n + i] += lr * tree.value[leafOf[i]];
        stage.push(tree);
      }
      this.stages.push(stage);
    }
    return this;
  }

  /** Raw scores (n × numColumns): the boosted decision function. */
  decisionFunction(x: Float32Array, n: number): Float64Array {
    const cols = this.numColumns;
    const raw = new Float64Array(n * cols);
    for (let i = 0; i < n; i++) raw.set(this.initRaw, i * cols);
    const leaves = new Int32Array(n);
    const lr = this.params.learningRate;
    for (const stage of this.stages) {
      for (let k = 0; k < cols; k++) {
        const tree = stage[k];
        applyTree(tree, x, n, this.numFeatures, leaves);
        for (let i = 0; i < n; i++) raw[i * cols + k] += lr * tree.value[leaves[i]];
      }
    }
    return raw;
  }

  /** Predicted labels: sign of the log-odds for two classes, arg-max (first on ties) otherwise. */
  predict(x: Float32Array, n: number): Int32Array {
    const cols = this.numColumns;
    const raw = this.decisionFunction(x, n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (cols === 1) {
        out[i] = this.classes[raw[i] >= 0 ? 1 : 0];
        continue;
      }
      let best = 0;
      for (let k = 1; k < cols; k++) if (raw[i * cols + k] > raw[i * cols + best]) best = k;
      out[i] = this.classes[best];
    }
    return out;
  }

  /**
   * sklearn's `feature_importances_`: the mean over all non-trivial trees (more than one node) of
   * their unnormalised impurity importances, then normalised to sum to 1 (all zeros when no tree
   * ever split).
   */
  featureImportances(): Float64Array {
    const d = this.numFeatures;
    const avg = new Float64Array(d);
    let relevant = 0;
    for (const stage of this.stages) {
      for (const tree of stage) {
        if (tree.nodeCount <= 1) continue;
        relevant++;
        const imp = treeImportances(tree, d);
        for (let j = 0; j < d; j++) avg[j] += imp[j];
      }
    }
    if (relevant === 0) return avg;
    let total = 0;
    for (let j = 0; j < d; j++) total += avg[j] / relevant;
    for (let j = 0; j < d; j++) avg[j] = total > 0 ? avg[j] / relevant / total : 0;
    return avg;
  }
}

/** Class probabilities from column-major raw scores: sigmoid for one column, softmax across columns otherwise. */
function probabilities(raw: Float64Array, n: number, cols: number, out: Float64Array): void {
  if (cols === 1) {
    for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-raw[i]));
    return;
  }
  const mx = new Float64Array(n).fill(-Infinity);
  const z = new Float64Array(n);
  for (let k = 0; k < cols; k++) for (let i = 0; i < n; i++) if (raw[k * n + i] > mx[i]) mx[i] = raw[k * n + i];
  for (let k = 0; k < cols; k++) {
    for (let i = 0; i < n; i++) {
      const e = Math.exp(raw[k * n + i] - mx[i]);
      out[k * n + i] = e;
      z[i] += e;
    }
  }
  for (let k = 0; k < cols; k++) for (let i = 0; i < n; i++) out[k * n + i] /= z[i];
}
