import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../../framework/registry/types.ts';
import type { Batch, Dataset, DatasetFingerprint } from '../../../../framework/contracts/index.ts';
import { Rng } from '../../../../framework/util/rng.ts';
import { sha256 } from '../../../../framework/util/hash.ts';

export interface SyntheticSeriesParams {
  length: number;
  offsets: number[];
  frequencies: number[];
  regime_amplitudes: number[];
  stay_probability: number;
  replicates: number;
  noise: number;
  /** Features per step: channel c shows the oscillation `c` steps of phase ahead (see below). */
  channels?: number;
  /** Phase advance per time step, in steps of `frequencies` (1: the oscillation runs in time; 0: it stands across channels). */
  drift?: number;
  /** Draw the phase φ per series (true), or start every series at φ = 0 (no nuisance static factor). */
  random_phase?: boolean;
  seed: number;
}

/**
 * Time series with a known static/dynamic split: series k has a static offset level and
 * frequency (cycles per step), and a dynamic regime per step (a Markov chain that stays with
 * `stay_probability`) setting the oscillation amplitude:
 *   x_{t,c} = offset + amplitude[regime_t]·sin(2π·freq·(c + drift·t) + φ) + noise·ε_{t,c}.
 * With one channel and drift 1 (the defaults) this is x_t = offset + a_t·sin(2π·freq·t + φ). With
 * C channels each step carries the whole oscillation across its channels (a delay embedding at
 * drift 1, a standing wave at drift 0), so the static factors show in every single step, as in
 * the multi-feature real series, and a per-step code of fewer dimensions than C cannot carry
 * the step by itself. Series are the grid offsets × frequencies × replicates; φ, the regimes and
 * ε are drawn from a per-series seed. x: [B, T, C]; static: [B, 2] (offset id, frequency id);
 * dynamic: [B, T, 1] regime.
 */
export class SyntheticSeries implements Dataset {
  readonly elementSpec: Record<string, number[]>;
  readonly size: number;
  readonly p: Required<SyntheticSeriesParams>;

  constructor(params: SyntheticSeriesParams) {
    const p = { channels: 1, drift: 1, random_phase: true, ...params };
    this.p = p;
    this.size = p.offsets.length * p.frequencies.length * p.replicates;
    this.elementSpec = { x: [p.length, p.channels], static: [2], dynamic: [p.length, 1], index: [], sequence: [] };
  }

  /** Static ids of series k: offset-major, then frequency, then replicate. */
  staticOf(k: number): [number, number] {
    const perOffset = this.p.frequencies.length * this.p.replicates;
    return [Math.floor(k / perOffset), Math.floor((k % perOffset) / this.p.replicates)];
  }

  series(k: number): { x: Float32Array; regimes: Int32Array } {
    const { length: T, regime_amplitudes: amps } = this.p;
    const [o, f] = this.staticOf(k);
    const rng = new Rng((this.p.seed * 2654435761 + k) >>> 0);
    const u = rng.uniform(); // drawn either way, so the rest of the series is the same stream
    const phase = this.p.random_phase ? 2 * Math.PI * u : 0;
    const regimes = new Int32Array(T);
    const C = this.p.channels, freq = this.p.frequencies[f];
    const x = new Float32Array(T * C);
    let r = rng.int(amps.length);
    for (let t = 0; t < T; t++) {
      if (t > 0 && rng.uniform() >= this.p.stay_probability) r = (r + 1 + rng.int(amps.length - 1)) % amps.length;
      regimes[t] = r;
      for (let c = 0; c < C; c++) {
        x[t * C + c] = this.p.offsets[o] + amps[r] * Math.sin(2 * Math.PI * freq * (c + this.p.drift * t) + phase) + this.p.noise * rng.normal();
      }
    }
    return { x, regimes };
  }

  batch(indices: ArrayLike<number>): Batch {
    const n = indices.length, T = this.p.length, C = this.p.channels;
    const x = new Float32Array(n * T * C), dyn = new Int32Array(n * T), stat = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const s = this.series(indices[i]);
      x.set(s.x, i * T * C);
      dyn.set(s.regimes, i * T);
      stat.set(this.staticOf(indices[i]), 2 * i);
    }
    return {
      x: tf.tensor3d(x, [n, T, C]), static: tf.tensor2d(stat, [n, 2], 'int32'), dynamic: tf.tensor3d(dyn, [n, T, 1], 'int32'),
      index: tf.tensor1d(Int32Array.from(indices), 'int32'), sequence: tf.tensor1d(Int32Array.from(indices), 'int32'),
    };
  }

  fingerprint(): DatasetFingerprint {
    // The one-channel drift-1 series hash as they did before the two keys existed.
    const { channels, drift, random_phase, ...rest } = this.p;
    const keyed = channels === 1 && drift === 1 && random_phase ? rest : this.p;
    return { name: 'synthetic-series', digest: sha256(JSON.stringify({ v: 1, ...keyed })), source: 'procedural:synthetic-series-v1' };
  }
}

export const syntheticSeriesSpec = defineComponent<SyntheticSeriesParams, SyntheticSeries>({
  target: 'untangle.datasets.SyntheticSeries',
  kind: 'dataset',
  description: 'Synthetic series: static offset/frequency, dynamic Markov regime (amplitude)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      length: { type: 'integer', minimum: 2, default: 96 },
      offsets: { type: 'array', items: { type: 'number' }, minItems: 1, default: [-1.5, -0.5, 0.5, 1.5] },
      frequencies: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1, default: [0.02, 0.05, 0.1, 0.2] },
      regime_amplitudes: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 2, default: [0.2, 0.8, 1.6] },
      stay_probability: { type: 'number', minimum: 0, maximum: 1, default: 0.95 },
      replicates: { type: 'integer', minimum: 1, default: 16 },
      noise: { type: 'number', minimum: 0, default: 0.05 },
      channels: { type: 'integer', minimum: 1, default: 1, description: 'features per step; >1 lays the oscillation across channels' },
      drift: { type: 'number', minimum: 0, default: 1, description: 'phase advance per step (1: oscillates in time; 0: standing across channels)' },
      random_phase: { type: 'boolean', default: true, description: 'false: every series starts at phase 0' },
      seed: { type: 'integer', minimum: 0, default: 0 },
    },
  },
  create: (p) => new SyntheticSeries(p),
});
