import type { Rng } from '../../../framework/util/rng.ts';

/**
 * A depth-limited least-squares regression tree grown like sklearn's
 * `DecisionTreeRegressor(criterion='friedman_mse', splitter='best')`, the base learner of
 * `GradientBoostingClassifier`:
 *  - every feature is tried at every node, in a fresh random order (sklearn draws features in a
 *    random order too, so among equally good splits the first one visited wins);
 *  - candidate thresholds sit between consecutive distinct values (values closer than 1e-7 count as
 *    equal), at the midpoint of the two float32 values;
 *  - the split maximises Friedman's proxy (n_R·ΣL − n_L·ΣR)² / (n_L·n_R);
 *  - a node stays a leaf at max depth, below min_samples_split / 2·min_samples_leaf samples, or
 *    when its impurity (variance of the target) is ≤ machine epsilon.
 *
 * Speed: each feature's order is sorted once per boosting fit and stably partitioned as the tree
 * grows (the "presort" strategy), so one tree costs O(n · d · depth) on typed arrays.
 */

const FEATURE_THRESHOLD = 1e-7;
const EPSILON = 2.220446049250313e-16;

export interface TreeParams {
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
}

/** A fitted tree: parallel node arrays. `left[i] === -1` marks a leaf. */
export interface RegressionTree {
  nodeCount: number;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf output; the booster overwrites it with its Newton step. */
  value: Float64Array;
  /** Samples reaching each node and the node's impurity (weighted variance), for importances. */
  nSamples: Float64Array;
  impurity: Float64Array;
}

/** Column-major float32 features and, per feature, sample indices sorted by that feature. */
export interface PresortedFeatures {
  n: number;
  d: number;
  /** d × n, column j at [j*n, (j+1)*n). */
  columns: Float32Array;
  /** d × n, sorted sample indices of feature j at [j*n, (j+1)*n). */
  sorted: Int32Array;
}

export function presortFeatures(rowMajorX: Float32Array, n: number, d: number): PresortedFeatures {
  const columns = new Float32Array(d * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) columns[j * n + i] = rowMajorX[i * d + j];
  const sorted = new Int32Array(d * n);
  const idx = new Array<number>(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) idx[i] = i;
    const col = columns.subarray(j * n, (j + 1) * n);
    idx.sort((a, b) => col[a] - col[b] || a - b);
    for (let i = 0; i < n; i++) sorted[j * n + i] = idx[i];
  }
  return { n, d, columns, sorted };
}

/** Scratch buffers reused across the trees of one boosting fit. */
export class TreeWorkspace {
  /** Per feature, the node-partitioned sample order and the matching feature values. */
  readonly order: Int32Array;
  readonly values: Float32Array;
  readonly tmp: Int32Array;
  readonly tmpValues: Float32Array;
  readonly goLeft: Uint8Array;
  readonly sortedValues: Float32Array;
  constructor(data: PresortedFeatures) {
    const { n, d } = data;
    this.order = new Int32Array(n * d);
    this.values = new Float32Array(n * d);
    this.tmp = new Int32Array(n);
    this.tmpValues = new Float32Array(n);
    this.goLeft = new Uint8Array(n);
    // Values in each feature's sorted order, so that split scans read memory sequentially.
    this.sortedValues = new Float32Array(n * d);
    for (let k = 0; k < n * d; k++) this.sortedValues[k] = data.columns[Math.floor(k / n) * n + data.sorted[k]];
  }
}

interface SplitChoice {
  feature: number;
  pos: number;
  threshold: number;
}

/**
 * Fits one tree to `target` and writes, for every training sample, the leaf it lands in
 * (`leafOf`), so the booster can update leaf values without re-walking the tree.
 */
export function fitRegressionTree(
  data: PresortedFeatures, target: Float64Array, params: TreeParams, rng: Rng,
  ws: TreeWorkspace, leafOf: Int32Array,
): RegressionTree {
  const { n, d } = data;
  const capacity = 2 ** (params.maxDepth + 1) - 1;
  const tree: RegressionTree = {
    nodeCount: 0,
    feature: new Int32Array(capacity).fill(-1),
    threshold: new Float64Array(capacity),
    left: new Int32Array(capacity).fill(-1),
    right: new Int32Array(capacity).fill(-1),
    value: new Float64Array(capacity),
    nSamples: new Float64Array(capacity),
    impurity: new Float64Array(capacity),
  };
  ws.order.set(data.sorted);
  ws.values.set(ws.sortedValues);
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    sum += target[i];
    sumSq += target[i] * target[i];
  }
  grow(0, n, 0, sum, sumSq, 0);
  return tree;

  /**
   * Grows the node holding segment [start, end). `segFeature` names a feature whose order segment
   * is valid for this node (all are, except below a last-level split, which skips partitioning).
   */
  function grow(start: number, end: number, depth: number, nodeSum: number, nodeSumSq: number, segFeature: number): number {
    const id = tree.nodeCount++;
    const m = end - start;
    const mean = nodeSum / m;
    const impurity = nodeSumSq / m - mean * mean;
    tree.nSamples[id] = m;
    tree.impurity[id] = impurity;
    tree.value[id] = mean;
    const isLeaf = depth >= params.maxDepth || m < params.minSamplesSplit
      || m < 2 * params.minSamplesLeaf || impurity <= EPSILON;
    const split = isLeaf ? null : bestSplit(start, end, nodeSum);
    if (split === null) {
      const base = segFeature * n;
      for (let p = start; p < end; p++) leafOf[ws.order[base + p]] = id;
      return id;
    }
    const base = split.feature * n;
    let sumL = 0;
    let sumSqL = 0;
    for (let p = start; p < split.pos; p++) {
      const t = target[ws.order[base + p]];
      sumL += t;
      sumSqL += t * t;
    }
    // Children at max depth are leaves: they only need the split feature's segment.
    const childrenAreLeaves = depth + 1 >= params.maxDepth;
    if (!childrenAreLeaves) partition(start, end, split);
    const childSeg = childrenAreLeaves ? split.feature : 0;
    tree.feature[id] = split.feature;
    tree.threshold[id] = split.threshold;
    tree.left[id] = grow(start, split.pos, depth + 1, sumL, sumSqL, childSeg);
    tree.right[id] = grow(split.pos, end, depth + 1, nodeSum - sumL, nodeSumSq - sumSqL, childSeg);
    return id;
  }

  /** Stable partition of every feature's segment into the left samples, then the right ones. */
  function partition(start: number, end: number, split: SplitChoice): void {
    const { order, values, tmp, tmpValues, goLeft } = ws;
    const sb = split.feature * n;
    for (let p = start; p < end; p++) goLeft[order[sb + p]] = p < split.pos ? 1 : 0;
    for (let j = 0; j < d; j++) {
      if (j === split.feature) continue; // already partitioned: left samples come first by construction
      const base = j * n;
      let l = base + start;
      let r = 0;
      for (let p = base + start; p < base + end; p++) {
        const s = order[p];
        if (goLeft[s] === 1) {
          order[l] = s;
          values[l++] = values[p];
        } else {
          tmp[r] = s;
          tmpValues[r++] = values[p];
        }
      }
      order.set(tmp.subarray(0, r), l);
      values.set(tmpValues.subarray(0, r), l);
    }
  }

  function bestSplit(start: number, end: number, nodeSum: number): SplitChoice | null {
    const m = end - start;
    const minLeaf = params.minSamplesLeaf;
    const { order, values } = ws;
    let bestProxy = -Infinity;
    let best: SplitChoice | null = null;
    const visit = rng.permutation(d);
    for (let v = 0; v < d; v++) {
      const j = visit[v];
      const base = j * n;
      if (values[base + end - 1] <= values[base + start] + FEATURE_THRESHOLD) continue; // constant here
      let sumL = 0;
      let prev = values[base + start];
      for (let p = start + 1; p < end; p++) {
        sumL += target[order[base + p - 1]];
        const x = values[base + p];
        if (x <= prev + FEATURE_THRESHOLD) {
          prev = x;
          continue;
        }
        const nL = p - start;
        const nR = m - nL;
        const lastLeft = prev;
        prev = x;
        if (nL < minLeaf || nR < minLeaf) continue;
        const diff = nR * sumL - nL * (nodeSum - sumL);
        const proxy = (diff * diff) / (nL * nR);
        if (proxy > bestProxy) {
          bestProxy = proxy;
          let threshold = lastLeft / 2 + x / 2;
          if (threshold === x || !Number.isFinite(threshold)) threshold = lastLeft;
          best = { feature: j, pos: p, threshold };
        }
      }
    }
    return best;
  }
}

/** Leaf index reached by each row of a row-major float32 matrix. */
export function applyTree(tree: RegressionTree, x: Float32Array, n: number, d: number, out: Int32Array): Int32Array {
  for (let i = 0; i < n; i++) {
    let node = 0;
    while (tree.left[node] !== -1) {
      node = x[i * d + tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
    }
    out[i] = node;
  }
  return out;
}

/**
 * sklearn's `Tree.compute_feature_importances(normalize=False)`: for each split, the weighted
 * impurity decrease n·imp − n_L·imp_L − n_R·imp_R credited to its feature, divided by the root's
 * sample count.
 */
export function treeImportances(tree: RegressionTree, d: number): Float64Array {
  const imp = new Float64Array(d);
  for (let i = 0; i < tree.nodeCount; i++) {
    const l = tree.left[i];
    if (l === -1) continue;
    const r = tree.right[i];
    imp[tree.feature[i]] += tree.nSamples[i] * tree.impurity[i]
      - tree.nSamples[l] * tree.impurity[l] - tree.nSamples[r] * tree.impurity[r];
  }
  const root = tree.nSamples[0];
  for (let j = 0; j < d; j++) imp[j] /= root;
  return imp;
}
