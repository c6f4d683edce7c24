import { UntangleError } from '../../../framework/util/errors.ts';

/**
 * Equal error rate of a verification system, exactly from its ROC: trials sorted by score, the
 * threshold lowered past one distinct score at a time (ties move together), giving the points
 * (false-accept rate, false-reject rate) from (0, 1) to (1, 0); the EER is where the piecewise-
 * linear curve through them crosses FAR = FRR.
 */
export function equalErrorRate(targets: ArrayLike<number>, nonTargets: ArrayLike<number>): number {
  const nt = targets.length, nn = nonTargets.length;
  if (nt === 0 || nn === 0) throw new UntangleError('eer.trials', 'EER needs at least one target and one non-target trial', { targets: nt, nonTargets: nn });
  const trials = [...Array.from(targets, (s) => ({ s, t: true })), ...Array.from(nonTargets, (s) => ({ s, t: false }))].sort((a, b) => b.s - a.s);
  // Integer counts (non-targets accepted, targets rejected) keep the ROC points exact.
  let fa = 0, fr = nt;
  for (let i = 0; i < trials.length;) {
    let dFa = 0, dFr = 0;
    const s = trials[i].s;
    for (; i < trials.length && trials[i].s === s; i++) {
      if (trials[i].t) dFr++; else dFa++;
    }
    if ((fa + dFa) / nn >= (fr - dFr) / nt) {
      // FAR(u) = (fa + u·dFa)/nn and FRR(u) = (fr − u·dFr)/nt meet at u ∈ [0, 1].
      const u = (fr / nt - fa / nn) / (dFa / nn + dFr / nt);
      return (fa + u * dFa) / nn;
    }
    fa += dFa;
    fr -= dFr;
  }
  return 1;
}

/** Cosine similarity of rows i and j of a row-major `[n × d]` matrix. */
export function cosine(codes: Float32Array, d: number, i: number, j: number): number {
  let dot = 0, ni = 0, nj = 0;
  for (let k = 0; k < d; k++) {
    const a = codes[i * d + k], b = codes[j * d + k];
    dot += a * b; ni += a * a; nj += b * b;
  }
  return dot / (Math.sqrt(ni * nj) || 1);
}

/** Every pair i < j as a trial: same label → target score list, else non-target. */
export function pairTrials(codes: Float32Array, d: number, labels: ArrayLike<number>): { targets: number[]; nonTargets: number[] } {
  const targets: number[] = [], nonTargets: number[] = [];
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
    (labels[i] === labels[j] ? targets : nonTargets).push(cosine(codes, d, i, j));
  }
  return { targets, nonTargets };
}
