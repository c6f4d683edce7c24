/**
 * Reading SyntheticSeries' factors off a series analytically (no judge): offset = the mean,
 * frequency = the periodogram's peak, per-step regime = the local oscillation amplitude, each
 * mapped to the nearest generator value. Used by AnalyticSwap on decoded swaps.
 */

export interface FactorLevels {
  offsets: number[];
  frequencies: number[];
  regime_amplitudes: number[];
}

/**
 * Which axis the oscillation runs along: `time` (a one-channel series; channel 0 of a wider one)
 * or `channels` (SyntheticSeries with `channels` > 1 and drift 0: each step holds the oscillation
 * across its channels, so frequency and amplitude are read within every step).
 */
export type FrequencyAxis = 'time' | 'channels';

/** Index of the level nearest to v. */
export function nearest(levels: readonly number[], v: number): number {
  let best = 0;
  for (let i = 1; i < levels.length; i++) if (Math.abs(levels[i] - v) < Math.abs(levels[best] - v)) best = i;
  return best;
}

function mean(y: ArrayLike<number>): number {
  let m = 0;
  for (let t = 0; t < y.length; t++) m += y[t] / y.length;
  return m;
}

/** Periodogram power of (y − mean) at bins k/N, k = 1..N/2 (index k − 1). */
export function periodogram(y: ArrayLike<number>): Float64Array {
  const N = y.length, m = mean(y);
  const out = new Float64Array(Math.floor(N / 2));
  for (let k = 1; k <= out.length; k++) {
    let re = 0, im = 0;
    for (let t = 0; t < N; t++) {
      const a = (2 * Math.PI * k * t) / N;
      re += (y[t] - m) * Math.cos(a);
      im -= (y[t] - m) * Math.sin(a);
    }
    out[k - 1] = re * re + im * im;
  }
  return out;
}

function argmaxFrequency(power: Float64Array, N: number): number {
  let best = 0;
  for (let k = 1; k < power.length; k++) if (power[k] > power[best]) best = k;
  return (best + 1) / N;
}

/** Frequency (cycles per sample) of the periodogram's largest bin above 0, over k/N for k = 1..N/2. */
export function peakFrequency(y: ArrayLike<number>): number {
  return argmaxFrequency(periodogram(y), y.length);
}

/** √2 · RMS of (y − mean) over a centred window of `w` steps at every step: a sinusoid's amplitude. */
export function localAmplitude(y: ArrayLike<number>, w: number): Float64Array {
  const T = y.length, m = mean(y);
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const lo = Math.max(0, Math.min(T - w, t - Math.floor(w / 2))), hi = Math.min(T, lo + w);
    let sq = 0;
    for (let u = lo; u < hi; u++) sq += (y[u] - m) ** 2;
    out[t] = Math.sqrt((2 * sq) / (hi - lo));
  }
  return out;
}

/** One step's oscillation amplitude across its channels: √2 · RMS around the step's channel mean. */
export function channelAmplitudes(block: ArrayLike<number>, T: number, C: number): Float64Array {
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const row = Array.prototype.slice.call(block, t * C, (t + 1) * C) as number[];
    const m = mean(row);
    out[t] = Math.sqrt((2 * row.reduce((a, v) => a + (v - m) ** 2, 0)) / C);
  }
  return out;
}

export interface SeriesFactors {
  offset: number;
  frequency: number;
  regimes: Int32Array;
  /** The per-step amplitude the regimes were read from. */
  amplitude: Float64Array;
}

/** Offset id, frequency id and per-step regime ids of one row-major `[T, C]` series. */
export function analyseSeries(block: ArrayLike<number>, T: number, C: number, p: FactorLevels, axis: FrequencyAxis = 'time'): SeriesFactors {
  const offset = nearest(p.offsets, mean(block));
  if (axis === 'channels') {
    const power = new Float64Array(Math.floor(C / 2));
    for (let t = 0; t < T; t++) periodogram(Array.prototype.slice.call(block, t * C, (t + 1) * C) as number[]).forEach((v, k) => { power[k] += v; });
    const amplitude = channelAmplitudes(block, T, C);
    return { offset, frequency: nearest(p.frequencies, argmaxFrequency(power, C)), amplitude, regimes: Int32Array.from(amplitude, (a) => nearest(p.regime_amplitudes, a)) };
  }
  const y = Float64Array.from({ length: T }, (_, t) => block[t * C]);
  const frequency = nearest(p.frequencies, peakFrequency(y));
  // One period of the detected frequency averages the sinusoid's square to a²/2.
  const w = Math.max(4, Math.min(T, Math.round(1 / p.frequencies[frequency])));
  const amplitude = localAmplitude(y, w);
  return { offset, frequency, amplitude, regimes: Int32Array.from(amplitude, (a) => nearest(p.regime_amplitudes, a)) };
}
