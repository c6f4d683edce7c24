import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../framework/backends/tfjs-gradients.ts';
import { Rng } from '../framework/util/rng.ts';
import { DSVAE, type DsvaeParams } from '../components/models/sequential/dsvae.ts';
import { CycleConsistency } from '../components/losses/sequential/cycle-consistency.ts';
import { SequentialELBO } from '../components/losses/sequential/sequential-elbo.ts';

tf.setBackend('cpu');

const P: DsvaeParams = { frame_shape: [6], frames: 5, f_dim: 3, z_dim: 2, hidden_dim: 8, conv_dim: 8, width: 8, variant: 'full', shuffled_static: false, cycle_noise: 0, posterior_logvar_init: 0, frame_norm: false };
const ctx = (seed: number) => ({ step: 0, training: true, rng: new Rng(seed) });

describe('cyclic consistency term (DSAE variants)', () => {
  it('is the weighted summed squared difference per example, averaged over the batch', () => {
    const loss = new CycleConsistency({ weight: 0.1 });
    // Example 1: (1−0)² + (2−0)² = 5; example 2: (0.5−0.5)² + (3−1)² = 4; mean 4.5.
    const out = { x_cycle: tf.tensor3d([[[1, 2]], [[0.5, 3]]]), x_cycle_target: tf.tensor3d([[[0, 0]], [[0.5, 1]]]) };
    const r = loss.compute({ x: tf.zeros([2, 1, 2]) }, out);
    expect(r.terms.cyclic.dataSync()[0]).toBeCloseTo(4.5, 6);
    expect(r.total.dataSync()[0]).toBeCloseTo(0.45, 6);
    expect(() => loss.compute({ x: tf.zeros([1]) }, {})).toThrow(/x_cycle/);
  });

  it('DSVAE: x_cycle_target is decode(f, z) and, as the noise vanishes, x_cycle is decode(encode(decode(f, z)))', () => {
    const m = new DSVAE({ ...P, cycle_noise: 1e-7 }, new Rng(1));
    const x = tf.randomNormal([3, 5, 6], 0, 1, 'float32', 2);
    const out = m.forward({ x }, ctx(3));
    const target = m.decodeParts(out.f as tf.Tensor2D, out.z as tf.Tensor3D);
    expect(Array.from(out.x_cycle_target.dataSync())).toEqual(Array.from(target.dataSync()).map((v) => expect.closeTo(v, 5)));
    const again = m.encodeParts(target);
    const expected = m.decodeParts(again.static, again.dynamic).dataSync();
    expect(Array.from(out.x_cycle.dataSync())).toEqual(Array.from(expected).map((v) => expect.closeTo(v, 4)));
    // With a real perturbation the cycle differs from the noiseless one, and is off by default.
    const noisy = new DSVAE({ ...P, cycle_noise: 1 }, new Rng(1)).forward({ x }, ctx(3));
    expect(tf.max(tf.abs(tf.sub(noisy.x_cycle, out.x_cycle))).dataSync()[0]).toBeGreaterThan(1e-4);
    expect(new DSVAE(P, new Rng(1)).forward({ x }, ctx(3)).x_cycle).toBeUndefined();
  });

  it('reaches the encoder (non-zero gradients for the frame encoder) and is reported as `cyclic` inside the ELBO', () => {
    const m = new DSVAE({ ...P, cycle_noise: 0.5 }, new Rng(4));
    const loss = new SequentialELBO({ likelihood: 'mse_identity', beta: 1, kl_weights: {}, kl_warmup: 0, terms: { cyc: new CycleConsistency({ weight: 1 }) } });
    const x = tf.randomNormal([4, 5, 6], 0, 1, 'float32', 5);
    const enc = [...m.encoder.namedTrainableVariables().values()];
    const { grads } = tf.variableGrads(() => new CycleConsistency({ weight: 1 }).compute({ x }, m.forward({ x }, ctx(6))).total, enc);
    expect(Object.values(grads).some((g) => tf.max(tf.abs(g)).dataSync()[0] > 0)).toBe(true);
    const r = loss.compute({ x }, m.forward({ x }, ctx(7)), ctx(7));
    expect(r.terms.cyclic).toBeDefined();
    expect(r.terms.cyc).toBeUndefined();
  });
});

describe('conv frame codec with GroupNorm (frame_norm)', () => {
  it('adds only the norms\' parameters; without it the parameter names (and old checkpoints) are unchanged', () => {
    const names = (norm: boolean) => [...new DSVAE({ ...P, frame_shape: [64, 64, 3], frames: 2, width: 8, frame_norm: norm }, new Rng(1)).namedTrainableVariables().keys()];
    const plain = names(false), normed = names(true);
    expect(plain.some((n) => n.includes('.gn.'))).toBe(false);
    expect(normed.filter((n) => !plain.includes(n)).every((n) => /\.norm\d\.gn\.(weight|bias)$/.test(n))).toBe(true);
    // 4 encoder + 3 decoder norms, weight and bias each.
    expect(normed.length - plain.length).toBe(14);
    const m = new DSVAE({ ...P, frame_shape: [64, 64, 3], frames: 2, width: 8, frame_norm: true }, new Rng(1));
    const out = m.forward({ x: tf.randomUniform([2, 2, 64, 64, 3], 0, 1, 'float32', 3) }, ctx(4));
    expect(out.x_hat.shape).toEqual([2, 2, 64, 64, 3]);
  });
});
