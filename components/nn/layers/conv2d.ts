import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { UnaryModule } from '../module.ts';
import { type Initializer, computeFans, torchDefaultBias, torchDefaultWeight } from '../init.ts';
import { type ActivationName, activationFn, fusedActivation } from '../activations.ts';
import { type ExplicitPads, type Padding2d, convOutSize, dilateKernel, pair, resolveConvPads } from './conv-geometry.ts';

export interface Conv2dOptions {
  stride?: number | [number, number];
  /** PyTorch semantics: a number pads both sides; 'same' needs stride 1. Default 0. */
  padding?: Padding2d;
  dilation?: number | [number, number];
  bias?: boolean;
  /** Applied after the bias; relu/elu/sigmoid/leaky_relu run fused in the conv kernel. */
  activation?: ActivationName;
  weightInit?: Initializer;
  biasInit?: Initializer;
}

/**
 * 2-D convolution over NHWC input `[B, H, W, C_in]` → `[B, H', W', C_out]`, with PyTorch's output
 * size ⌊(H + 2p − d·(k−1) − 1)/s⌋ + 1. Groups are not supported (always 1).
 *
 * Layout: `weight` is `[kh, kw, C_in, C_out]` (PyTorch: `[C_out, C_in, kh, kw]`). Default init is
 * PyTorch's: W, b ~ U(±1/√(C_in·kh·kw)). The conv, bias and activation are one `FusedConv2D`
 * kernel. Dilation spreads the kernel taps (tfjs has no dilated-conv gradient), so it costs the
 * FLOPs of the spread kernel.
 */
export class Conv2d extends UnaryModule {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly dilation: [number, number];
  readonly pads: ExplicitPads;
  private readonly fused: ReturnType<typeof fusedActivation>;
  private readonly act: (x: tf.Tensor) => tf.Tensor;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: number | [number, number],
    rng: Rng, opts: Conv2dOptions = {}) {
    super();
    this.kernel = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    this.dilation = pair(opts.dilation ?? 1);
    this.pads = resolveConvPads(opts.padding ?? 0, this.kernel, this.stride, this.dilation);
    const shape = [this.kernel[0], this.kernel[1], inChannels, outChannels];
    this.weight = this.param('weight', shape, opts.weightInit ?? torchDefaultWeight(), rng);
    this.bias = (opts.bias ?? true)
      ? this.param('bias', [outChannels], opts.biasInit ?? torchDefaultBias(computeFans(shape).fanIn), rng)
      : null;
    const act = opts.activation ?? 'identity';
    this.fused = fusedActivation(act);
    this.act = activationFn(act);
  }

  /** Output spatial size for an input of `h × w` (PyTorch's formula). */
  outputSize(h: number, w: number): [number, number] {
    return [
      convOutSize(h, this.kernel[0], this.stride[0], this.pads[1][0], this.pads[1][1], this.dilation[0]),
      convOutSize(w, this.kernel[1], this.stride[1], this.pads[2][0], this.pads[2][1], this.dilation[1]),
    ];
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new UntangleError('nn.conv2d.shape', `Conv2d expects NHWC input with ${this.inChannels} channels, got [${x.shape}]`,
        { expectedChannels: this.inChannels, shape: x.shape }, 'untangle tensors are NHWC: [batch, height, width, channels]');
    }
    return tf.tidy(() => {
      // One kernel for conv + bias (+ activation). tfjs has no gradient for dilated convs, so a
      // dilation is applied to the kernel instead (see dilateKernel).
      const y = tf.fused.conv2d({
        x: x as tf.Tensor4D, filter: dilateKernel(this.weight as tf.Tensor4D, this.dilation), strides: this.stride,
        pad: this.pads, bias: this.bias ?? undefined, activation: this.fused ?? 'linear', leakyreluAlpha: 0.01,
      });
      return (this.fused === null ? this.act(y) : y) as tf.Tensor4D;
    });
  }
}
