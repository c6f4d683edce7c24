/**
 * The examples a content/style metric scores: the first `max` of the data set, in order, as the
 * upstream's unshuffled test loader reads them (so that two metrics of one run see the same
 * fragments, and a rerun the same ones).
 */
export function evaluationIndices(size: number, max: number): Int32Array {
  return Int32Array.from({ length: Math.min(size, max) }, (_, i) => i);
}
