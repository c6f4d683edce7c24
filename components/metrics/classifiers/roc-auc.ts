/**
 * Area under the ROC curve for one binary column, as sklearn's `roc_auc_score` computes it
 * (trapezoidal rule over all thresholds, so tied scores count one half): the Mann–Whitney
 * statistic with mid-ranks. Returns NaN when only one class is present (sklearn raises there).
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean | number>, n: number): number {
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let nPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const midRank = (i + j) / 2 + 1; // 1-based average rank of the tie group
    for (let k = i; k <= j; k++) {
      if (positive[idx[k]]) {
        rankSumPos += midRank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Macro-averaged one-vs-rest AUC of an n × K probability matrix against labels, like
 * `roc_auc_score(MultiLabelBinarizer().fit_transform(y[:, None]), proba)`: column k is scored
 * against the indicator of `classes[k]`, and the K AUCs are averaged.
 */
export function macroOvrAuc(proba: Float64Array, n: number, classes: Int32Array, y: ArrayLike<number>): number {
  const K = classes.length;
  let total = 0;
  const col = new Float64Array(n);
  const pos = new Uint8Array(n);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) {
      col[i] = proba[i * K + k];
      pos[i] = y[i] === classes[k] ? 1 : 0;
    }
    total += rocAuc(col, pos, n);
  }
  return total / K;
}
