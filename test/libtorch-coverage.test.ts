/**
 * Kernel census: records, on the cpu backend, every kernel that training steps of the benchmark
 * workloads (conv AE, LSTM, GRU, diffusion U-Net with GroupNorm/attention/time embedding) plus a
 * LayerNorm MLP with softmax cross-entropy and the Adam update dispatch, forward and gradient, and
 * requires the libtorch backend to implement all of them. Then one U-Net step must give the same
 * loss and gradients on both backends.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildConvAE } from '../bench/backends/workloads/conv-ae.ts';
import { Adam, mse, type Params } from '../bench/backends/workloads/params.ts';
import { buildRnn } from '../bench/backends/workloads/rnn.ts';
import { buildUNet, timestepFeatures } from '../bench/backends/workloads/unet.ts';
import { implementedKernels } from '@untangle/tfjs-backend-libtorch';
import { Rng } from '../framework/util/rng.ts';
import { available, mismatch, mustExist, registration } from '../packages/tfjs-backend-libtorch/test/harness.ts';

interface Probe { name: string; params: Params; loss: () => tf.Scalar }

function probes(): Probe[] {
  const rng = new Rng(3);
  const img = (n: number, s: number) => tf.tensor(rng.fillUniform(new Float32Array(n * s * s * 3)), [n, s, s, 3]) as tf.Tensor4D;
  const ae = buildConvAE(1, 16);
  const xa = img(2, 16);
  const lstm = buildRnn('lstm', 1, 8, 16), gru = buildRnn('gru', 1, 8, 16);
  const xs = tf.tensor(rng.fillUniform(new Float32Array(2 * 3 * 8)), [2, 3, 8]) as tf.Tensor3D;
  // A narrow U-Net (8 base channels) on 8x8 images: the same kernels, fast enough for the cpu backend.
  const unet = buildUNet(1, 8);
  // Batch 1: tfjs-cpu's ResizeNearestNeighborGrad is wrong for batch > 1 (see the kernel suite).
  const xu = img(1, 8), noise = img(1, 8), t = timestepFeatures([5]);
  // LayerNorm MLP classifier with softmax cross-entropy (what a VAE/classifier head dispatches).
  const w1 = tf.variable(tf.tensor(rng.fillNormal(new Float32Array(8 * 12), 0, 0.3), [8, 12]));
  const g1 = tf.variable(tf.ones([12])), b1 = tf.variable(tf.zeros([12]));
  const w2 = tf.variable(tf.tensor(rng.fillNormal(new Float32Array(12 * 5), 0, 0.3), [12, 5]));
  const xm = tf.tensor(rng.fillNormal(new Float32Array(6 * 8)), [6, 8]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32'), 5);
  const mlpLoss = () => {
    const h = tf.matMul(xm, w1);
    const { mean, variance } = tf.moments(h, -1, true);
    const ln = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), g1), b1);
    const logits = tf.matMul(tf.elu(ln), w2);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  };
  return [
    { name: 'conv AE', params: ae.params, loss: () => mse(ae.forward(xa), xa) },
    { name: 'LSTM', params: lstm.params, loss: () => mse(lstm.forward(xs), xs) },
    { name: 'GRU', params: gru.params, loss: () => mse(gru.forward(xs), xs) },
    { name: 'U-Net', params: unet.params, loss: () => mse(unet.forward(xu, t), noise) },
    { name: 'LayerNorm MLP', params: { w1, g1, b1, w2 }, loss: mlpLoss },
  ];
}

describe.skipIf(!available)('libtorch covers what the workloads dispatch', () => {
  it('implements every kernel of the probe workloads (forward, gradient, Adam)', async () => {
    await tf.setBackend('cpu');
    const missing = new Map<string, string[]>();
    const impl = new Set(implementedKernels());
    for (const p of probes()) {
      const opt = new Adam(p.params, 1e-3);
      const info = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(p.loss, Object.values(p.params));
        opt.apply(grads);
        tf.dispose([value, ...Object.values(grads)]);
      });
      const lacking = [...new Set(info.kernelNames)].filter((k) => tf.getKernel(k, 'cpu') && !impl.has(k));
      if (lacking.length) missing.set(p.name, lacking);
    }
    expect(Object.fromEntries(missing)).toEqual({});
  });

  it('gives the U-Net the same loss and gradients as the cpu backend', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const p = probes()[3];
      const { value, grads } = tf.variableGrads(p.loss, Object.values(p.params));
      const out = [value, ...Object.values(grads)].map((t) => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync() as Float32Array }));
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const ref = await run('cpu');
    const got = await run('libtorch');
    const m = mismatch(ref, got, 1e-3, 1e-5);
    expect(m.score, m.detail).toBeLessThanOrEqual(1);
  });
});

describe.runIf(!available && mustExist)('libtorch in CI', () => {
  it('is installed (CI=true requires the libtorch backend)', () => {
    throw new Error(`libtorch backend unavailable in CI: ${registration.reason}`);
  });
});
