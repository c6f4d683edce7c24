import { describe, expect, it } from 'vitest';
import { magnitudeSpectrogram, powerSpectrogram, type MelConfig } from '../components/datasets/sequential/audio/mel.ts';

// V3's InsNotes front end: n_fft 1024, hop 512, 16 kHz.
const C: MelConfig = { sampleRate: 16000, nFft: 1024, winLength: 1024, hop: 512, nMels: 1, fMin: 0, fMax: 8000 };

describe('magnitude STFT', () => {
  it('a cosine on bin 64 has magnitude A·Σw/2 = A·N/4 there (periodic Hann), and half that on each neighbour', () => {
    const A = 0.5, k = 64;
    const x = Float32Array.from({ length: 4096 }, (_, i) => A * Math.cos((2 * Math.PI * k * i) / C.nFft));
    const m = magnitudeSpectrogram(x, C);
    expect(m).toHaveLength(1 + Math.floor((4096 - 1024) / 512));
    expect(m[0]).toHaveLength(513);
    expect(m[2][k]).toBeCloseTo((A * 1024) / 4, 2);
    expect(m[2][k + 1]).toBeCloseTo((A * 1024) / 8, 2);
    expect(m[2][k + 5]).toBeLessThan(1e-3);
  });
  it('is the square root of the power spectrogram', () => {
    const x = Float32Array.from({ length: 2048 }, (_, i) => Math.sin(i * 0.37) + 0.3 * Math.sin(i * 1.91));
    const m = magnitudeSpectrogram(x, C), p = powerSpectrogram(x, C);
    for (const b of [0, 60, 311, 512]) expect(m[1][b]).toBeCloseTo(Math.sqrt(p[1][b]), 9);
  });
});
