import { UntangleError } from '../../../framework/util/errors.ts';

/**
 * Which n fragments of a variable-length group (an SVHN origin image's digit crops, a LibriSpeech
 * utterance's phonemes) make one example. The upstream draws them at random on every access
 * (SVHN: `random.sample`; LibriSpeech meant a random start, but its `range(n − n + 1)` always
 * gives 0); a data set here is a fixed list of examples, so:
 * - `first`: one example per group, its first n fragments (what the LibriSpeech loader really did);
 * - `all`: every window of n consecutive fragments, one example each.
 */
export type WindowMode = 'first' | 'all';

export interface FragmentWindow {
  group: number;
  start: number;
}

/**
 * The examples of groups with `sizes[g]` fragments. Groups shorter than n are skipped (`skip`,
 * SVHN: the upstream returned fewer fragments, which cannot be batched) or cycled (`cycle`,
 * LibriSpeech: the upstream repeated the utterance until it had n), one example each.
 */
export function fragmentWindows(sizes: readonly number[], n: number, mode: WindowMode, short: 'skip' | 'cycle'): { windows: FragmentWindow[]; skipped: number } {
  if (n < 1) throw new UntangleError('fragments.n', `n_fragments must be ≥ 1, got ${n}`, { n });
  const windows: FragmentWindow[] = [];
  let skipped = 0;
  sizes.forEach((size, group) => {
    if (size < n) {
      if (short === 'cycle' && size > 0) windows.push({ group, start: 0 });
      else skipped++;
      return;
    }
    const last = mode === 'all' ? size - n : 0;
    for (let start = 0; start <= last; start++) windows.push({ group, start });
  });
  return { windows, skipped };
}

/** Fragment j of a window: consecutive from its start, wrapping around a short group. */
export function windowFragment(w: FragmentWindow, size: number, j: number): number {
  return (w.start + j) % size;
}
