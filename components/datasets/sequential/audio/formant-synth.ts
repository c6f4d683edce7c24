import { Rng } from '../../../../framework/util/rng.ts';

/**
 * A source–filter vowel synthesiser: a glottal harmonic source (fundamental f0, spectral tilt)
 * shaped by three formant resonances, summed additively. Speakers differ in f0, vocal-tract length
 * (formant scale) and tilt (timbre); content is the sequence of vowels.
 */

/** Formants F1–F3 (Hz) of five vowels, Peterson & Barney (1952) adult male averages. */
export const VOWELS: readonly { name: string; formants: readonly [number, number, number] }[] = [
  { name: 'i', formants: [270, 2290, 3010] },
  { name: 'e', formants: [530, 1840, 2480] },
  { name: 'a', formants: [730, 1090, 2440] },
  { name: 'o', formants: [570, 840, 2410] },
  { name: 'u', formants: [300, 870, 2240] },
];
const BANDWIDTH = [80, 100, 120];
const FORMANT_GAIN = [1, 0.6, 0.3];

export interface Speaker {
  f0: number;
  /** Multiplies every formant (shorter vocal tract → higher formants). */
  formantScale: number;
  /** Source roll-off in dB per octave (negative). */
  tiltDb: number;
}

/**
 * Speaker `s` of `n`: f0 from 95 to 250 Hz, formant scale 0.88–1.18 and tilt −14 to −6 dB/oct,
 * spread over the three dimensions with co-prime strides so no two speakers share a profile.
 */
export function speakerProfile(s: number, n: number): Speaker {
  const u = (k: number) => ((s * k) % n) / Math.max(1, n - 1);
  return { f0: 95 + 155 * (s / Math.max(1, n - 1)), formantScale: 0.88 + 0.30 * u(3), tiltDb: -14 + 8 * u(7) };
}

export interface UtteranceSpec {
  sampleRate: number;
  segmentSamples: number;
  vowels: ArrayLike<number>;
  speaker: Speaker;
  /** Breath noise amplitude, drawn from `noiseSeed`. */
  noise: number;
  noiseSeed: number;
}

export function synthesizeUtterance(u: UtteranceSpec): Float32Array {
  const n = u.vowels.length * u.segmentSamples;
  const out = new Float32Array(n);
  const sr = u.sampleRate;
  const block = 16;
  const xfade = Math.round(0.02 * sr);
  const formantsAt = (i: number): number[] => {
    const seg = Math.min(u.vowels.length - 1, Math.floor(i / u.segmentSamples));
    const into = i - seg * u.segmentSamples;
    const cur = VOWELS[u.vowels[seg]].formants;
    // Cross-fade the formant tracks over the first 20 ms of each segment (coarticulation).
    if (seg === 0 || into >= xfade) return cur.map((f) => f * u.speaker.formantScale);
    const prev = VOWELS[u.vowels[seg - 1]].formants;
    const a = into / xfade;
    return cur.map((f, j) => ((1 - a) * prev[j] + a * f) * u.speaker.formantScale);
  };
  let phase = 0;
  const amps: number[] = [];
  for (let b = 0; b < n; b += block) {
    const t = b / n;
    const f0 = u.speaker.f0 * (1.06 - 0.12 * t); // declination over the utterance
    const fm = formantsAt(b);
    const kmax = Math.floor(Math.min(5000, sr / 2 - 200) / f0);
    amps.length = 0;
    for (let k = 1; k <= kmax; k++) {
      const f = k * f0;
      let h = 0;
      for (let j = 0; j < 3; j++) h += FORMANT_GAIN[j] / (1 + ((f - fm[j]) / (BANDWIDTH[j] / 2)) ** 2);
      amps.push(h * 10 ** ((u.speaker.tiltDb * Math.log2(k)) / 20));
    }
    for (let i = b; i < Math.min(n, b + block); i++) {
      // sin((k+1)φ) by the Chebyshev recurrence sin((k+1)φ) = 2cos φ·sin(kφ) − sin((k−1)φ).
      const c2 = 2 * Math.cos(phase);
      let prev = 0, cur = Math.sin(phase), s = 0;
      for (let k = 0; k < amps.length; k++) {
        s += amps[k] * cur;
        const next = c2 * cur - prev;
        prev = cur;
        cur = next;
      }
      out[i] = s;
      phase += (2 * Math.PI * f0) / sr;
      if (phase > 2 * Math.PI) phase -= 2 * Math.PI;
    }
  }
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(out[i]));
  const rng = new Rng(u.noiseSeed);
  const ramp = Math.round(0.01 * sr);
  for (let i = 0; i < n; i++) {
    const env = Math.min(1, i / ramp, (n - 1 - i) / ramp);
    out[i] = env * (0.5 * out[i] / (peak || 1) + u.noise * rng.normal());
  }
  return out;
}
