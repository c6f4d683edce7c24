/**
 * Average precision for one binary column, as sklearn's `average_precision_score` computes it:
 * AP = Σ_n (R_n − R_{n−1})·P_n over the distinct score thresholds in decreasing order, with tied
 * scores entering together, and no interpolation (the step-wise sum, not the trapezoid, which
 * would be optimistic). Returns NaN when there are no positives (sklearn warns and returns a
 * meaningless value there).
 */
export function averagePrecision(scores: ArrayLike<number>, positive: ArrayLike<boolean | number>, n: number): number {
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) nPos++;
  if (nPos === 0) return NaN;
  let tp = 0, seen = 0, prevRecall = 0, ap = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    for (let k = i; k <= j; k++) if (positive[idx[k]]) tp++;
    seen = j + 1;
    const recall = tp / nPos;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
    i = j + 1;
  }
  return ap;
}
