import { UntangleError } from '../../../framework/util/errors.ts';

/**
 * kNN retrieval precision / recall / F1 at k (V3, Wu et al., ICLR 2025, §5 and Appendix C): every
 * code is a query; its k nearest codes (Euclidean) are retrieved; the positives are the other
 * codes with the query's label. Two protocols, as the upstream wrote them at two times:
 *
 * - `v2025` — the paper's (upstream `eval_utils_original_backup.py`): the neighbour list is every
 *   code sorted by distance, the query itself included (it takes a slot and is never a hit),
 *   k = 1..K fixed, recall over the positives other than the query (0 where there are none).
 * - `v2026` — the upstream's later rewrite (`eval_utils.py` + `tester._build_adaptive_k_list`): the
 *   query is excluded, k comes from `adaptiveKList` and is capped at N − 1, and the positive
 *   count is clamped to ≥ 1.
 *
 * Ties in distance are broken by index (Python's stable sort in the paper's code).
 */
export type RetrievalProtocol = 'v2025' | 'v2026';
export const RETRIEVAL_PROTOCOLS: readonly RetrievalProtocol[] = ['v2025', 'v2026'];

export interface RetrievalCurve {
  k: number[];
  precision: number[];
  recall: number[];
  f1: number[];
}

/** The paper's k list: 1..K, at most the number of codes (a longer list only divides by k > N). */
export function paperKList(maxK: number, n: number): number[] {
  return Array.from({ length: Math.max(1, Math.min(maxK, n)) }, (_, i) => i + 1);
}

/** Python's round(): half to even, which the upstream's `int(round(max_pos * frac))` uses. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x), d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

const ADAPTIVE_FRACTIONS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.075, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0];
const ADAPTIVE_FIXED = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/**
 * The upstream's adaptive k list: the fixed 1, 2, 5, …, 500 plus fractions of the largest class's
 * positive count (size − 1), sorted and unique; [1] when no class has two members.
 */
export function adaptiveKList(labels: Int32Array): number[] {
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const maxPos = Math.max(...counts.values()) - 1;
  if (maxPos < 1) return [1];
  const ks = new Set(ADAPTIVE_FIXED);
  for (const f of ADAPTIVE_FRACTIONS) {
    const k = roundHalfEven(maxPos * f);
    if (k >= 1) ks.add(Math.min(k, maxPos));
  }
  return [...ks].sort((a, b) => a - b);
}

/** One evaluation over the same codes: a label set, its k list and the protocol. */
export interface RetrievalTask {
  labels: Int32Array;
  kList: readonly number[];
  protocol: RetrievalProtocol;
}

/**
 * Mean precision, recall and F1 at each k of each task's list, over all queries. `codes` is
 * row-major n × d. F1 = 2pr / (p + r + 1e-8) per query, then averaged, as upstream. Each query's
 * neighbours are sorted once for all tasks: ordering by (distance, index) makes the self-excluded
 * list the full list with the query taken out, so both protocols share it.
 */
export function retrievalCurves(codes: Float32Array, d: number, tasks: readonly RetrievalTask[]): RetrievalCurve[] {
  const n = codes.length / d;
  if (!Number.isInteger(n)) throw new UntangleError('retrieval.shape', `${codes.length} code values do not split into rows of ${d}`, { d });
  if (n < 2) throw new UntangleError('retrieval.size', 'retrieval needs at least two codes', { n });
  const prepared = tasks.map((t) => {
    if (t.labels.length !== n) throw new UntangleError('retrieval.shape', `${t.labels.length} labels for ${n} codes`, { n });
    const self = t.protocol === 'v2026';
    // The later protocol caps k at the N − 1 other codes; the paper's at the N codes.
    const cap = self ? n - 1 : n;
    const ks = [...new Set(t.kList.map((k) => Math.min(k, cap)))].sort((a, b) => a - b);
    if (!ks.length || ks[0] < 1) throw new UntangleError('retrieval.k', 'every k must be ≥ 1', { kList: t.kList });
    const counts = new Map<number, number>();
    for (const l of t.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    return { ...t, excludeSelf: self, ks, counts, P: new Float64Array(ks.length), R: new Float64Array(ks.length), F: new Float64Array(ks.length) };
  });
  const dist = new Float64Array(n);
  const order = new Int32Array(n);
  for (let q = 0; q < n; q++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) { const v = codes[q * d + t] - codes[j * d + t]; s += v * v; }
      dist[j] = s;
      order[j] = j;
    }
    order.sort((a, b) => dist[a] - dist[b] || a - b);
    for (const t of prepared) {
      const lq = t.labels[q];
      const others = (t.counts.get(lq) ?? 1) - 1;
      const nPos = t.excludeSelf ? Math.max(1, others) : others;
      let hits = 0, taken = 0, pos = 0;
      for (let i = 0; i < t.ks.length; i++) {
        for (; taken < t.ks[i]; pos++) {
          const j = order[pos];
          if (j === q) { if (t.excludeSelf) continue; taken++; continue; }
          taken++;
          if (t.labels[j] === lq) hits++;
        }
        const p = hits / t.ks[i];
        const r = nPos > 0 ? hits / nPos : 0;
        t.P[i] += p; t.R[i] += r; t.F[i] += (2 * p * r) / (p + r + 1e-8);
      }
    }
  }
  return prepared.map((t) => ({ k: t.ks, precision: Array.from(t.P, (v) => v / n), recall: Array.from(t.R, (v) => v / n), f1: Array.from(t.F, (v) => v / n) }));
}

/** One label set under one protocol (see retrievalCurves). */
export function precisionRecallAtK(codes: Float32Array, d: number, labels: Int32Array, kList: readonly number[], protocol: RetrievalProtocol): RetrievalCurve {
  if (codes.length !== labels.length * d) throw new UntangleError('retrieval.shape', `codes have ${codes.length} values; expected ${labels.length} × ${d}`, { n: labels.length, d });
  return retrievalCurves(codes, d, [{ labels, kList, protocol }])[0];
}

/** Area under the PR curve as the upstream sums it: Σ_{i≥1} (r_i − r_{i−1}) · p_i over the k list. */
export function areaUnderPr(recall: readonly number[], precision: readonly number[]): number {
  let a = 0;
  for (let i = 1; i < recall.length; i++) a += (recall[i] - recall[i - 1]) * precision[i];
  return a;
}
