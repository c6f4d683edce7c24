/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** How many edits still read as a typo of a word this long. */
function tolerance(length: number): number {
  return Math.max(1, Math.floor(length / 3));
}

/**
 * The closest candidate, if it is close enough to be a plausible typo. Dotted names (targets) are
 * also compared by their last segment, so `untangle.models.BetaVea` finds `untangle.models.BetaVAE`
 * and `BetaVAE` alone finds it too. Case is ignored.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const lw = word.toLowerCase();
  const tail = (s: string) => s.slice(s.lastIndexOf('.') + 1).toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const full = editDistance(lw, c.toLowerCase());
    const byTail = editDistance(tail(word), tail(c));
    const ok = full <= tolerance(lw.length) || byTail <= tolerance(tail(word).length);
    const score = Math.min(full, byTail);
    if (ok && score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}
