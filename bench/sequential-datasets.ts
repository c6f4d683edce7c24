/**
 * Throughput of the procedural sequential data sets (rendering only, no tensor upload):
 *   npx tsx bench/sequential-datasets.ts
 */
import { Sprites } from '../components/datasets/sequential/sprites.ts';
import { MovingDigits } from '../components/datasets/sequential/moving-digits.ts';
import { AudioSynth } from '../components/datasets/sequential/audio/audio-synth.ts';
import { Rng } from '../framework/util/rng.ts';

function bench(name: string, n: number, framesPer: number, render: (i: number) => void): void {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) render(i);
  const s = (performance.now() - t0) / 1000;
  console.log(`${name}: ${(n / s).toFixed(0)} sequences/s, ${((n * framesPer) / s).toFixed(0)} frames/s`);
}

const sprites = new Sprites({ frames: 8 });
const sf = sprites.sampleFactors(500, new Rng(0));
bench('Sprites 8×64×64×3', 500, 8, (i) => sprites.renderSequence(sf.subarray(6 * i, 6 * i + 6)));
const digits = new MovingDigits({ frames: 20, scale: 4 });
const df = digits.sampleFactors(500, new Rng(0));
bench('MovingDigits 20×64×64×1', 500, 20, (i) => digits.renderSequence(df.subarray(4 * i, 4 * i + 4)));
const audio = new AudioSynth({ speakers: 10, segments: 4, segment_ms: 200, n_mels: 80, noise: 0.003, standardize: false, cache_dir: null, memory_cache: 0, seed: 0 });
const af = audio.sampleFactors(40, new Rng(0));
bench('AudioSynth 0.8 s → 78×80 log-mel', 40, audio.frames, (i) => audio.renderSequence(af.subarray(5 * i, 5 * i + 5)));
