/**
 * A small diffusion U-Net denoiser at 32x32 in plain tfjs ops: residual blocks with GroupNorm and
 * SiLU conditioned on a sinusoidal timestep embedding, two down/up levels with skip connections,
 * one self-attention block at 8x8, nearest-neighbour upsampling. The loss is the usual epsilon
 * prediction MSE. GroupNorm and SiLU are the nn package's (fused kernels where the backend has them). bench/backends/torch_ref.py holds the same network in PyTorch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../framework/util/rng.ts';
import { groupNorm as fusedGroupNorm } from '../../../components/nn/fused/group-norm.ts';
import { silu } from '../../../components/nn/fused/silu.ts';
import { ParamBuilder, type Params } from './params.ts';

export const UNET = { base: 32, groups: 8, temb: 128, image: 32 } as const;

export interface UNet { params: Params; forward(x: tf.Tensor4D, tEmb: tf.Tensor2D): tf.Tensor4D }

/** Sinusoidal timestep features [b, 64], computed in JS (no tfjs randomness or trig kernels). */
export function timestepFeatures(ts: number[], dim = 64): tf.Tensor2D {
  const half = dim / 2;
  const v = new Float32Array(ts.length * dim);
  ts.forEach((t, i) => {
    for (let k = 0; k < half; k++) {
      const f = Math.exp((-Math.log(10000) * k) / half) * t;
      v[i * dim + k] = Math.sin(f);
      v[i * dim + half + k] = Math.cos(f);
    }
  });
  return tf.tensor2d(v, [ts.length, dim]);
}

export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, groups: number, eps = 1e-5): tf.Tensor4D {
  return fusedGroupNorm(x, gamma, beta, groups, eps) as tf.Tensor4D;
}

/** `base` channels (a multiple of 8, for GroupNorm's 8 groups); the image size is set by the input. */
export function buildUNet(seed: number, base: number = UNET.base): UNet {
  const pb = new ParamBuilder(new Rng(seed));
  const { groups, temb } = UNET;
  const conv = (n: string, k: number, cin: number, cout: number) => { pb.add(`${n}.w`, [k, k, cin, cout], k * k * cin); pb.add(`${n}.b`, [cout], k * k * cin); };
  const dense = (n: string, cin: number, cout: number) => { pb.add(`${n}.w`, [cin, cout], cin); pb.add(`${n}.b`, [cout], cin); };
  const norm = (n: string, c: number) => { pb.add(`${n}.g`, [c], 1, 1); pb.add(`${n}.b`, [c], 1, 0); };
  const res = (n: string, cin: number, cout: number) => {
    norm(`${n}.n1`, cin); conv(`${n}.c1`, 3, cin, cout); dense(`${n}.t`, temb, cout);
    norm(`${n}.n2`, cout); conv(`${n}.c2`, 3, cout, cout);
    if (cin !== cout) conv(`${n}.skip`, 1, cin, cout);
  };
  dense('temb0', 64, temb); dense('temb1', temb, temb);
  conv('in', 3, 3, base);
  res('d1', base, base); conv('down1', 3, base, 2 * base);
  res('d2', 2 * base, 2 * base); conv('down2', 3, 2 * base, 2 * base);
  res('m1', 2 * base, 2 * base); norm('attn.n', 2 * base); dense('attn.qkv', 2 * base, 6 * base); dense('attn.o', 2 * base, 2 * base);
  res('m2', 2 * base, 2 * base);
  res('u2', 4 * base, 2 * base); res('u1', 3 * base, base);
  norm('out.n', base); conv('out', 3, base, 3);
  const p = pb.params;

  const c2d = (x: tf.Tensor4D, n: string, stride = 1) =>
    tf.add(tf.conv2d(x, p[`${n}.w`] as tf.Tensor4D, stride, 'same'), p[`${n}.b`]) as tf.Tensor4D;
  const lin = (x: tf.Tensor2D, n: string) => tf.add(tf.matMul(x, p[`${n}.w`] as tf.Tensor2D), p[`${n}.b`]) as tf.Tensor2D;
  const gn = (x: tf.Tensor4D, n: string) => groupNorm(x, p[`${n}.g`], p[`${n}.b`], groups);
  const resblock = (x: tf.Tensor4D, e: tf.Tensor2D, n: string): tf.Tensor4D => {
    let h = c2d(silu(gn(x, `${n}.n1`)), `${n}.c1`);
    const t = lin(silu(e), `${n}.t`);
    h = tf.add(h, tf.reshape(t, [t.shape[0], 1, 1, t.shape[1]])) as tf.Tensor4D;
    h = c2d(silu(gn(h, `${n}.n2`)), `${n}.c2`);
    const skip = p[`${n}.skip.w`] ? c2d(x, `${n}.skip`) : x;
    return tf.add(skip, h) as tf.Tensor4D;
  };
  const attention = (x: tf.Tensor4D): tf.Tensor4D => {
    const [b, h, w, c] = x.shape;
    const hn = tf.reshape(gn(x, 'attn.n'), [b * h * w, c]) as tf.Tensor2D;
    const qkv = tf.reshape(lin(hn, 'attn.qkv'), [b, h * w, 3 * c]);
    const [q, k, v] = tf.split(qkv, 3, 2) as tf.Tensor3D[];
    const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(c)));
    const o = lin(tf.reshape(tf.matMul(att, v), [b * h * w, c]) as tf.Tensor2D, 'attn.o');
    return tf.add(x, tf.reshape(o, [b, h, w, c])) as tf.Tensor4D;
  };
  const up = (x: tf.Tensor4D) => tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]);

  const forward = (x: tf.Tensor4D, tFeat: tf.Tensor2D): tf.Tensor4D => {
    const e = lin(silu(lin(tFeat, 'temb0')), 'temb1');
    const h0 = c2d(x, 'in');
    const h1 = resblock(h0, e, 'd1');                      // 32x32, base
    const h2 = resblock(c2d(h1, 'down1', 2), e, 'd2');     // 16x16, 2base
    let m = c2d(h2, 'down2', 2);                            // 8x8, 2base
    m = resblock(attention(resblock(m, e, 'm1')), e, 'm2');
    let u = resblock(tf.concat([up(m), h2], 3) as tf.Tensor4D, e, 'u2');   // 16x16
    u = resblock(tf.concat([up(u), h1], 3) as tf.Tensor4D, e, 'u1');       // 32x32
    return c2d(silu(gn(u, 'out.n')), 'out');
  };
  return { params: p, forward };
}
