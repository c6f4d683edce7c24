/** Sorted distinct labels and each sample's position among them (sklearn's LabelEncoder). */
export function encodeLabels(y: ArrayLike<number>, n: number): { classes: Int32Array; index: Int32Array } {
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) seen.add(y[i]);
  const distinct = Array.from(seen).sort((a, b) => a - b);
  const pos = new Map(distinct.map((c, i) => [c, i]));
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = pos.get(y[i]) as number;
  return { classes: Int32Array.from(distinct), index };
}

/** Fraction of positions where the prediction equals the truth. */
export function accuracy(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let hit = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === truth[i]) hit++;
  return hit / pred.length;
}
