import { squaredDistances } from './tsne.ts';

/**
 * Where each code's nearest neighbour lies, for reading precision@1 of content/style codes:
 * for every fragment (self excluded, Euclidean, ties to the lower index) the nearest other code is
 * one of five kinds, by whether it is in the same sample (sequence) and whether it shares the
 * query's content and style labels. precision@1 on the content label is the sum of the kinds with
 * the same content; on the style label, of those with the same style.
 *
 * Also the mean distances between codes in the same sample, in other samples with the same style,
 * and in samples of other styles: a style code whose same-style, other-sample distance is below
 * its within-sample distance retrieves by content inside each style cluster, whatever its
 * between-style spread.
 */
export interface NeighbourBreakdown {
  same_sample: number;
  other_sample_same_style_same_content: number;
  other_sample_same_style_other_content: number;
  other_style_same_content: number;
  other_style_other_content: number;
  /** Mean distance to the other fragments of the same sample. */
  dist_same_sample: number;
  /** Mean distance to fragments of other samples with the same style label. */
  dist_same_style_other_sample: number;
  /** Mean distance to fragments with another style label. */
  dist_other_style: number;
}

export function neighbourBreakdown(codes: Float32Array, d: number, sample: Int32Array, content: Int32Array, style: Int32Array): NeighbourBreakdown {
  const n = sample.length;
  const D = squaredDistances(codes, n, d);
  const kinds = new Float64Array(5);
  const sums = new Float64Array(3), counts = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    let best = Infinity, bj = -1;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const s = D[i * n + j];
      const dist = Math.sqrt(s);
      const g = sample[j] === sample[i] ? 0 : style[j] === style[i] ? 1 : 2;
      sums[g] += dist; counts[g]++;
      if (s < best) { best = s; bj = j; }
    }
    if (bj < 0) continue;
    const sameC = content[bj] === content[i];
    if (sample[bj] === sample[i]) kinds[0]++;
    else if (style[bj] === style[i]) kinds[sameC ? 1 : 2]++;
    else kinds[sameC ? 3 : 4]++;
  }
  const f = (k: number) => kinds[k] / n;
  const m = (g: number) => (counts[g] ? sums[g] / counts[g] : NaN);
  return {
    same_sample: f(0), other_sample_same_style_same_content: f(1), other_sample_same_style_other_content: f(2),
    other_style_same_content: f(3), other_style_other_content: f(4),
    dist_same_sample: m(0), dist_same_style_other_sample: m(1), dist_other_style: m(2),
  };
}
