/**
 * Log-mel features in plain TypeScript: a radix-2 FFT, a framed STFT power spectrum with a
 * periodic Hann window, and an HTK-mel triangular filterbank (librosa `mel(htk=True, norm=None)`),
 * the front end of FHVAE/DVAE speech experiments (25 ms window, 10 ms hop, 80 bands at 16 kHz).
 */

/** HTK mel scale: m = 2595·log10(1 + f/700). */
export function hzToMel(f: number): number {
  return 2595 * Math.log10(1 + f / 700);
}
export function melToHz(m: number): number {
  return 700 * (10 ** (m / 2595) - 1);
}

const TWIDDLES = new Map<number, { re: Float64Array; im: Float64Array }>();

/** e^{−2πik/n} for k < n/2, cached per size. */
function twiddles(n: number): { re: Float64Array; im: Float64Array } {
  let t = TWIDDLES.get(n);
  if (!t) {
    t = { re: new Float64Array(n / 2), im: new Float64Array(n / 2) };
    for (let k = 0; k < n / 2; k++) { t.re[k] = Math.cos((-2 * Math.PI * k) / n); t.im[k] = Math.sin((-2 * Math.PI * k) / n); }
    TWIDDLES.set(n, t);
  }
  return t;
}

/** In-place iterative radix-2 FFT of (re, im); length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) { [re[i], re[j]] = [re[j], re[i]]; [im[i], im[j]] = [im[j], im[i]]; }
  }
  const tw = twiddles(n);
  for (let len = 2; len <= n; len <<= 1) {
    const stride = n / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = tw.re[k * stride], wi = tw.im[k * stride];
        const a = i + k, b = a + len / 2;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr; im[b] = im[a] - xi;
        re[a] += xr; im[a] += xi;
      }
    }
  }
}

export interface MelConfig {
  sampleRate: number;
  nFft: number;
  winLength: number;
  hop: number;
  nMels: number;
  fMin: number;
  fMax: number;
}

export const SPEECH_MEL: MelConfig = { sampleRate: 16000, nFft: 512, winLength: 400, hop: 160, nMels: 80, fMin: 0, fMax: 8000 };

/** Triangular filters `[nMels][nFft/2+1]` with peaks at mel-equispaced centres (HTK scale, unnormalised). */
export function melFilterbank(c: MelConfig): Float32Array[] {
  const bins = c.nFft / 2 + 1;
  const mMin = hzToMel(c.fMin), mMax = hzToMel(c.fMax);
  const edges = Array.from({ length: c.nMels + 2 }, (_, i) => melToHz(mMin + ((mMax - mMin) * i) / (c.nMels + 1)));
  const freqs = Array.from({ length: bins }, (_, k) => (k * c.sampleRate) / c.nFft);
  return Array.from({ length: c.nMels }, (_, m) => {
    const [lo, mid, hi] = [edges[m], edges[m + 1], edges[m + 2]];
    const w = new Float32Array(bins);
    freqs.forEach((f, k) => { w[k] = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid))); });
    return w;
  });
}

/** Number of STFT frames without centre padding: 1 + ⌊(N − win)/hop⌋. */
export function frameCount(n: number, c: MelConfig): number {
  return n < c.winLength ? 0 : 1 + Math.floor((n - c.winLength) / c.hop);
}

/** |STFT|² `[frames][nFft/2+1]` with a periodic Hann window of `winLength` zero-padded to `nFft`. */
export function powerSpectrogram(signal: Float32Array, c: MelConfig): Float64Array[] {
  return spectrogram(signal, c, (p) => p);
}

/** |STFT| (magnitude) `[frames][nFft/2+1]`, the same frames as powerSpectrogram (V3's InsNotes features). */
export function magnitudeSpectrogram(signal: Float32Array, c: MelConfig): Float64Array[] {
  return spectrogram(signal, c, Math.sqrt);
}

function spectrogram(signal: Float32Array, c: MelConfig, fromPower: (p: number) => number): Float64Array[] {
  const win = Float64Array.from({ length: c.winLength }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / c.winLength));
  const frames = frameCount(signal.length, c);
  const bins = c.nFft / 2 + 1;
  const out: Float64Array[] = [];
  for (let t = 0; t < frames; t++) {
    const re = new Float64Array(c.nFft), im = new Float64Array(c.nFft);
    for (let i = 0; i < c.winLength; i++) re[i] = signal[t * c.hop + i] * win[i];
    fft(re, im);
    const p = new Float64Array(bins);
    for (let k = 0; k < bins; k++) p[k] = fromPower(re[k] * re[k] + im[k] * im[k]);
    out.push(p);
  }
  return out;
}

/** A reusable extractor (the filterbank is built once): signal → log(mel power + floor) `[frames × nMels]` row-major. */
export class LogMel {
  readonly bank: Float32Array[];
  /** [first, last + 1) non-zero bin of each filter. */
  private readonly support: [number, number][];

  constructor(readonly config: MelConfig = SPEECH_MEL, readonly floor = 1e-6) {
    this.bank = melFilterbank(config);
    this.support = this.bank.map((w) => {
      let lo = 0, hi = w.length;
      while (lo < hi && w[lo] === 0) lo++;
      while (hi > lo && w[hi - 1] === 0) hi--;
      return [lo, hi];
    });
  }

  compute(signal: Float32Array): { data: Float32Array; frames: number } {
    const spec = powerSpectrogram(signal, this.config);
    const m = this.config.nMels;
    const data = new Float32Array(spec.length * m);
    spec.forEach((p, t) => {
      for (let j = 0; j < m; j++) {
        const w = this.bank[j];
        const [lo, hi] = this.support[j];
        let s = 0;
        for (let k = lo; k < hi; k++) s += w[k] * p[k];
        data[t * m + j] = Math.log(s + this.floor);
      }
    });
    return { data, frames: spec.length };
  }
}
