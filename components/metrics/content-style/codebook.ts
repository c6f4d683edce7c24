import { UntangleError } from '../../../framework/util/errors.ts';

/**
 * Codebook diagnostics of V3 (Wu et al., ICLR 2025, §5.2 "codebook accuracy"): how purely each
 * codebook atom stands for one content class. Counts are atoms × classes, row-major.
 */
export function confusionCounts(atoms: Int32Array, labels: Int32Array, nAtoms: number, nClasses: number): Float64Array {
  if (atoms.length !== labels.length) throw new UntangleError('codebook.shape', `${atoms.length} atoms for ${labels.length} labels`, {});
  const m = new Float64Array(nAtoms * nClasses);
  for (let i = 0; i < atoms.length; i++) {
    const a = atoms[i], l = labels[i];
    if (a < 0 || a >= nAtoms || l < 0 || l >= nClasses) throw new UntangleError('codebook.range', `atom ${a} or label ${l} is outside ${nAtoms} atoms × ${nClasses} classes`, { atom: a, label: l, nAtoms, nClasses });
    m[a * nClasses + l] += 1;
  }
  return m;
}

export interface CodebookPurity {
  /**
   * The upstream's codebook accuracy: each used atom's purity (its commonest class's share of its
   * fragments), averaged over used atoms with equal weight. (Upstream row-normalises with +1e-7
   * and divides the sum of row maxima by the matrix sum, which is this mean up to 1e-7.)
   */
  unweighted: number;
  /** Share of all fragments whose atom's commonest class is their own: purity weighted by use. */
  weighted: number;
  /** Atoms given at least one fragment. */
  atomsInUse: number;
}

export function codebookPurity(counts: Float64Array, nAtoms: number, nClasses: number): CodebookPurity {
  let sumPurity = 0, used = 0, hits = 0, total = 0;
  for (let a = 0; a < nAtoms; a++) {
    let s = 0, mx = 0;
    for (let c = 0; c < nClasses; c++) { const v = counts[a * nClasses + c]; s += v; if (v > mx) mx = v; }
    if (s === 0) continue;
    used++; sumPurity += mx / s; hits += mx; total += s;
  }
  return { unweighted: used ? sumPurity / used : 0, weighted: total ? hits / total : 0, atomsInUse: used };
}

/**
 * Each atom's class: the commonest content class among its fragments (first on ties, as numpy's
 * argmax), or −1 for an atom no fragment used (the upstream's argmax would call it class 0).
 */
export function atomAssignments(counts: Float64Array, nAtoms: number, nClasses: number): Int32Array {
  const out = new Int32Array(nAtoms).fill(-1);
  for (let a = 0; a < nAtoms; a++) {
    let best = -1, mx = 0;
    for (let c = 0; c < nClasses; c++) if (counts[a * nClasses + c] > mx) { mx = counts[a * nClasses + c]; best = c; }
    out[a] = best;
  }
  return out;
}

/**
 * Rows ordered by their class so that a good codebook looks like an identity (the upstream's
 * argsort of the assignments; stable here, unused atoms last). The order is for the picture only:
 * classification uses `assignments[atom]` directly (upstream bug 6 used the position in this order).
 */
export function rowOrder(assignments: Int32Array): Int32Array {
  const key = (a: number) => (assignments[a] < 0 ? Number.MAX_SAFE_INTEGER : assignments[a]);
  return Int32Array.from(Array.from(assignments, (_, a) => a).sort((x, y) => key(x) - key(y) || x - y));
}

/** Rows divided by their sums (unused rows stay 0): each atom's distribution over classes. */
export function rowNormalised(counts: Float64Array, nAtoms: number, nClasses: number): Float64Array {
  const out = new Float64Array(counts.length);
  for (let a = 0; a < nAtoms; a++) {
    let s = 0;
    for (let c = 0; c < nClasses; c++) s += counts[a * nClasses + c];
    if (s > 0) for (let c = 0; c < nClasses; c++) out[a * nClasses + c] = counts[a * nClasses + c] / s;
  }
  return out;
}

/** Accuracy of classifying each fragment as its atom's class (zero-shot OOD, and in-distribution). */
export function atomClassAccuracy(atoms: Int32Array, labels: Int32Array, assignments: Int32Array): number {
  if (atoms.length !== labels.length) throw new UntangleError('codebook.shape', `${atoms.length} atoms for ${labels.length} labels`, {});
  if (!atoms.length) return 0;
  let hit = 0;
  for (let i = 0; i < atoms.length; i++) if (assignments[atoms[i]] === labels[i]) hit++;
  return hit / atoms.length;
}

/** Number of classes: the largest label + 1. */
export function classCount(labels: Int32Array): number {
  let m = -1;
  for (const l of labels) if (l > m) m = l;
  return m + 1;
}
