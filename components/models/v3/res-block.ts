import * as tf from '@tensorflow/tfjs-core';
import { Module, Conv2d, BatchNorm, gelu } from '../../nn/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';

/**
 * V3's residual block: conv-BN-GELU-conv-BN plus the shortcut (a strided 1×1 conv with BN when
 * the shape changes), then GELU. Kernels k×k, 'same'-style padding, NHWC.
 */
export class ResBlock extends Module {
  private readonly c1: Conv2d;
  private readonly b1: BatchNorm;
  private readonly c2: Conv2d;
  private readonly b2: BatchNorm;
  private readonly short: { conv: Conv2d; bn: BatchNorm } | null;

  constructor(cin: number, cout: number, stride: [number, number], k: number, rng: Rng) {
    super();
    const pad = (k - 1) / 2;
    this.c1 = this.child('conv1', new Conv2d(cin, cout, k, rng, { stride, padding: pad, bias: false }));
    this.b1 = this.child('bn1', new BatchNorm(cout));
    this.c2 = this.child('conv2', new Conv2d(cout, cout, k, rng, { padding: pad, bias: false }));
    this.b2 = this.child('bn2', new BatchNorm(cout));
    this.short = cin !== cout || stride[0] !== 1 || stride[1] !== 1
      ? { conv: this.child('short_conv', new Conv2d(cin, cout, 1, rng, { stride, bias: false })), bn: this.child('short_bn', new BatchNorm(cout)) }
      : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const h = this.b2.forward(this.c2.forward(gelu(this.b1.forward(this.c1.forward(x)))));
    const s = this.short ? this.short.bn.forward(this.short.conv.forward(x)) : x;
    return gelu(tf.add(h, s));
  }
}
