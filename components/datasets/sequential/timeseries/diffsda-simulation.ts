import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../../framework/registry/types.ts';
import type { Batch, Dataset, DatasetFingerprint } from '../../../../framework/contracts/index.ts';
import { Rng } from '../../../../framework/util/rng.ts';
import { sha256 } from '../../../../framework/util/hash.ts';

export interface DiffSdaSimulationParams {
  size: number;
  length: number;
  /** |slope| of the trend per step and |offset| it starts from (the sign pair is the static factor). */
  slope: number;
  offset: number;
  /** Seasonality choices (the dynamic factor): angular rate per step and amplitude of each. */
  rates: number[];
  amplitudes: number[];
  noise: number;
  seed: number;
}

/**
 * DiffSDA's trend/seasonality simulation: x_τ = sign·(slope·τ − offset) + A_k·sin(ω_k·τ + φ)
 * + noise·ε. Static factor: the trend sign (rising from −offset, or falling from +offset);
 * dynamic factor: which seasonality k (rate and amplitude) drives the series. With the seed's
 * values, ±0.05τ from ∓1.5 and sin(40τ/2π)·1.8 or sin(20τ/2π)·1.2 over 100 steps of τ = step/100·…
 * the rates are given per step here so the length can change. x: [B, T, 1]; static: [B, 1]
 * (0 rising, 1 falling); dynamic: [B, T, 1] (seasonality id, constant along the sequence).
 */
export class DiffSDASimulation implements Dataset {
  readonly elementSpec: Record<string, number[]>;

  constructor(readonly p: DiffSdaSimulationParams) {
    this.elementSpec = { x: [p.length, 1], static: [1], dynamic: [p.length, 1], index: [] };
  }

  get size(): number { return this.p.size; }

  factors(k: number): { sign: number; season: number; phase: number; rng: Rng } {
    const rng = new Rng((this.p.seed * 2654435761 + k) >>> 0);
    return { sign: k % 2, season: Math.floor(k / 2) % this.p.rates.length, phase: 2 * Math.PI * rng.uniform(), rng };
  }

  batch(indices: ArrayLike<number>): Batch {
    const n = indices.length, T = this.p.length;
    const x = new Float32Array(n * T), dyn = new Int32Array(n * T), stat = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const f = this.factors(indices[i]);
      const dir = f.sign === 0 ? 1 : -1;
      stat[i] = f.sign;
      for (let t = 0; t < T; t++) {
        x[i * T + t] = dir * (this.p.slope * t - this.p.offset) + this.p.amplitudes[f.season] * Math.sin(this.p.rates[f.season] * t + f.phase)
          + this.p.noise * f.rng.normal();
        dyn[i * T + t] = f.season;
      }
    }
    return {
      x: tf.tensor3d(x, [n, T, 1]), static: tf.tensor2d(stat, [n, 1], 'int32'), dynamic: tf.tensor3d(dyn, [n, T, 1], 'int32'),
      index: tf.tensor1d(Int32Array.from(indices), 'int32'),
    };
  }

  fingerprint(): DatasetFingerprint {
    return { name: 'diffsda-simulation', digest: sha256(JSON.stringify({ v: 1, ...this.p })), source: 'procedural:diffsda-simulation-v1' };
  }
}

export const diffSdaSimulationSpec = defineComponent<DiffSdaSimulationParams, DiffSDASimulation>({
  target: 'untangle.datasets.DiffSDASimulation',
  kind: 'dataset',
  description: "DiffSDA's trend/seasonality simulation: static trend sign, dynamic seasonality frequency",
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      size: { type: 'integer', minimum: 2, default: 1000 },
      length: { type: 'integer', minimum: 2, default: 100 },
      slope: { type: 'number', minimum: 0, default: 0.03 },
      offset: { type: 'number', minimum: 0, default: 1.5 },
      rates: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1, default: [0.6366, 0.3183] },
      amplitudes: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 1, default: [1.8, 1.2] },
      noise: { type: 'number', minimum: 0, default: 0.05 },
      seed: { type: 'integer', minimum: 0, default: 0 },
    },
  },
  create: (p) => new DiffSDASimulation(p),
});
