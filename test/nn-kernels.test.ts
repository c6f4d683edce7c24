import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../framework/util/rng.ts';
import { Conv2d, ConvTranspose2d, GroupNorm, GRU, LayerNorm, Linear, LSTM, Upsample } from '../components/nn/index.ts';

/**
 * Per-layer kernel counts: eager tfjs pays a dispatch per kernel, so the layers are written to
 * launch few. These guard that (Reshape is metadata-only and not counted).
 */
async function kernels(f: () => tf.TensorContainer): Promise<string[]> {
  const p = await tf.profile(f);
  return p.kernels.map((k) => k.name).filter((n) => n !== 'Reshape' && tf.getKernel(n, 'cpu') !== undefined);
}

describe('kernels per forward pass', () => {
  const rng = new Rng(1);
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('Linear and Conv2d (with bias and relu) are one fused kernel each', async () => {
    const lin = new Linear(8, 4, rng, { activation: 'relu' });
    expect(await kernels(() => lin.forward(tf.ones([2, 3, 8])))).toEqual(['_FusedMatMul']);
    const conv = new Conv2d(3, 4, 3, rng, { padding: 1, activation: 'relu' });
    expect(await kernels(() => conv.forward(tf.ones([2, 8, 8, 3])))).toEqual(['FusedConv2D']);
  });

  it('ConvTranspose2d is the transposed conv plus the bias add; Upsample one resize', async () => {
    const ct = new ConvTranspose2d(3, 4, 4, rng, { stride: 2, padding: 1 });
    expect(await kernels(() => ct.forward(tf.ones([2, 8, 8, 3])))).toEqual(['Conv2DBackpropInput', 'Add']);
    expect(await kernels(() => new Upsample(2).forward(tf.ones([1, 4, 4, 2])))).toEqual(['ResizeNearestNeighbor']);
  });

  it('norms centre once: GroupNorm and LayerNorm take 9 kernels with the affine', async () => {
    const x = tf.ones([2, 4, 4, 8]);
    expect((await kernels(() => new GroupNorm(4, 8).forward(x))).length).toBe(9);
    expect((await kernels(() => new LayerNorm(8).forward(x))).length).toBe(9);
  });

  it('each LSTM time step costs at most 12 kernels, each GRU step at most 12', async () => {
    // The LSTM's recurrent product is a MatMul plus an Add, not one _FusedMatMul with a [B, 4H]
    // bias: tfjs-wasm's fused kernel takes only a rank-1 bias. The GRU cell takes each step's
    // input projection whole (one Split per step here) so that backends with the fused cell
    // kernel (libtorch: 2 kernels per step) get it in one piece.
    for (const [m, budget] of [[new LSTM(3, 4, rng), 12], [new GRU(3, 4, rng), 12]] as const) {
      const t2 = await kernels(() => m.forward(tf.ones([2, 2, 3]) as tf.Tensor3D).output);
      const t5 = await kernels(() => m.forward(tf.ones([2, 5, 3]) as tf.Tensor3D).output);
      expect((t5.length - t2.length) / 3).toBeLessThanOrEqual(budget);
    }
  });
});
