import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../framework/util/rng.ts';
import { DSVAE, type DsvaeParams } from '../components/models/sequential/dsvae.ts';

/**
 * Pins what the upstream parity check (bench/parity/dsvae-step.py) found untangle does right and
 * one upstream gets wrong: q(f | x_1:T) reads the forward LSTM at the last step and the backward
 * LSTM at the first step, so both halves have seen every frame. Ali-Sahili's DSAE_Images reads
 * both halves at the last step, where the backward LSTM has seen only the last frame.
 */
const params: DsvaeParams = {
  frame_shape: [6], frames: 5, f_dim: 3, z_dim: 2, hidden_dim: 4, conv_dim: 7, width: 8, variant: 'full',
  shuffled_static: false, cycle_noise: 0, posterior_logvar_init: 0, frame_norm: false,
};

function withFrame(x: tf.Tensor3D, t: number, value: number): tf.Tensor3D {
  const a = x.arraySync();
  for (const seq of a) seq[t] = seq[t].map(() => value);
  return tf.tensor3d(a);
}

/** The static code with one direction's rows of the static head zeroed (H rows each: forward, then backward). */
function staticCodeWithOnly(m: DSVAE, keep: 'fwd' | 'bwd', x: tf.Tensor3D): number[][] {
  const w = m.namedVariables().get('static_head.lin.weight')!;
  const saved = w.clone();
  const h = params.hidden_dim;
  const rows = w.arraySync() as number[][];
  w.assign(tf.tensor2d(rows.map((r, i) => ((keep === 'fwd') === (i < h) ? r : r.map(() => 0)))));
  const f = m.encodeParts(x).static.arraySync();
  w.assign(saved);
  saved.dispose();
  return f;
}

const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - b[i][j]))));

describe('DSVAE static posterior: both BiLSTM halves see every frame', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('the backward half alone still depends on the first and on the last frame', () => {
    const m = new DSVAE(params, new Rng(3));
    const x = tf.tensor3d(Array.from({ length: 2 }, (_, b) => Array.from({ length: 5 }, (_, t) => Array.from({ length: 6 }, (_, k) => Math.sin(b + 2 * t + 3 * k)))));
    const base = staticCodeWithOnly(m, 'bwd', x);
    // Read at the last step (the upstream's slice), the backward state would not see frame 0.
    expect(maxDiff(base, staticCodeWithOnly(m, 'bwd', withFrame(x, 0, 2)))).toBeGreaterThan(1e-4);
    expect(maxDiff(base, staticCodeWithOnly(m, 'bwd', withFrame(x, 4, 2)))).toBeGreaterThan(1e-4);
  });

  it('the forward half alone depends on the first frame; zeroing both halves leaves only the bias', () => {
    const m = new DSVAE(params, new Rng(4));
    const x = tf.tensor3d(Array.from({ length: 2 }, (_, b) => Array.from({ length: 5 }, (_, t) => Array.from({ length: 6 }, (_, k) => Math.cos(b + t + k)))));
    expect(maxDiff(staticCodeWithOnly(m, 'fwd', x), staticCodeWithOnly(m, 'fwd', withFrame(x, 0, -2)))).toBeGreaterThan(1e-4);
    // Control: with every row zeroed, f is the head's bias whatever the frames.
    const w = m.namedVariables().get('static_head.lin.weight')!;
    w.assign(tf.zerosLike(w));
    const a = m.encodeParts(x).static.arraySync();
    const b = m.encodeParts(withFrame(x, 0, -2)).static.arraySync();
    expect(maxDiff(a, b)).toBe(0);
  });
});
