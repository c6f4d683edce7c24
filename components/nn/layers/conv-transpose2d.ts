import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { UnaryModule } from '../module.ts';
import { type Initializer, computeFans, torchDefaultBias, torchDefaultWeight } from '../init.ts';
import { type ActivationName, activationFn } from '../activations.ts';
import { convTransposeOutSize, dilateKernel, pair } from './conv-geometry.ts';

export interface ConvTranspose2dOptions {
  stride?: number | [number, number];
  /** PyTorch semantics: removes `padding` rows/cols from each side of the full output. Default 0. */
  padding?: number | [number, number];
  /** PyTorch semantics: extra rows/cols at the bottom/right; must be < max(stride, dilation). */
  outputPadding?: number | [number, number];
  dilation?: number | [number, number];
  bias?: boolean;
  activation?: ActivationName;
  weightInit?: Initializer;
  biasInit?: Initializer;
}

/**
 * Transposed 2-D convolution (PyTorch `ConvTranspose2d`) over NHWC input, output size
 * (H − 1)·s − 2p + d·(k − 1) + output_padding + 1.
 *
 * Mapping onto `tf.conv2dTranspose` (the gradient of a conv whose input is our output): PyTorch's
 * output row j is row j + p of the full transposed conv (length L = (H−1)·s + d·(k−1) + 1). A conv
 * over our output padded by p on top and q = p − output_padding at the bottom has padded length
 * exactly L, so tfjs computes precisely those rows. When output_padding > p, q is 0 and the rows
 * past the full output (which PyTorch fills with bias only) are appended as zeros. Dilation is
 * applied by spreading the kernel taps (`dilateKernel`; tfjs's transposed conv has no dilation argument).
 *
 * Layout: `weight` is `[kh, kw, C_out, C_in]` (PyTorch: `[C_in, C_out, kh, kw]`). PyTorch's default
 * init uses fan_in = C_out·kh·kw for both W and b, which `computeFans` reproduces on this layout.
 */
export class ConvTranspose2d extends UnaryModule {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  private readonly act: ActivationName;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: number | [number, number],
    rng: Rng, opts: ConvTranspose2dOptions = {}) {
    super();
    this.kernel = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    this.padding = pair(opts.padding ?? 0);
    this.outputPadding = pair(opts.outputPadding ?? 0);
    this.dilation = pair(opts.dilation ?? 1);
    for (const a of [0, 1]) {
      if (this.outputPadding[a] >= Math.max(this.stride[a], this.dilation[a]) || this.outputPadding[a] < 0) {
        throw new UntangleError('nn.convT.output_padding', 'output_padding must be smaller than max(stride, dilation) (as in PyTorch)',
          { outputPadding: this.outputPadding, stride: this.stride, dilation: this.dilation });
      }
    }
    const shape = [this.kernel[0], this.kernel[1], outChannels, inChannels];
    this.weight = this.param('weight', shape, opts.weightInit ?? torchDefaultWeight(), rng);
    this.bias = (opts.bias ?? true)
      ? this.param('bias', [outChannels], opts.biasInit ?? torchDefaultBias(computeFans(shape).fanIn), rng)
      : null;
    this.act = opts.activation ?? 'identity';
  }

  outputSize(h: number, w: number): [number, number] {
    return [
      convTransposeOutSize(h, this.kernel[0], this.stride[0], this.padding[0], this.dilation[0], this.outputPadding[0]),
      convTransposeOutSize(w, this.kernel[1], this.stride[1], this.padding[1], this.dilation[1], this.outputPadding[1]),
    ];
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new UntangleError('nn.convT.shape', `ConvTranspose2d expects NHWC input with ${this.inChannels} channels, got [${x.shape}]`,
        { expectedChannels: this.inChannels, shape: x.shape }, 'untangle tensors are NHWC: [batch, height, width, channels]');
    }
    const [b, h, w] = x.shape;
    const [oh, ow] = this.outputSize(h, w);
    if (oh <= 0 || ow <= 0) {
      throw new UntangleError('nn.convT.size', `ConvTranspose2d output would be ${oh}×${ow}`, { input: x.shape });
    }
    const [ph, pw] = this.padding;
    const qh = Math.max(0, ph - this.outputPadding[0]);
    const qw = Math.max(0, pw - this.outputPadding[1]);
    // Rows/cols beyond the full transposed output (output_padding > padding): zeros before bias.
    const extraH = Math.max(0, this.outputPadding[0] - ph);
    const extraW = Math.max(0, this.outputPadding[1] - pw);
    return tf.tidy(() => {
      const filter = dilateKernel(this.weight as tf.Tensor4D, this.dilation);
      let y: tf.Tensor4D = tf.conv2dTranspose(x as tf.Tensor4D, filter, [b, oh - extraH, ow - extraW, this.outChannels],
        this.stride, [[0, 0], [ph, qh], [pw, qw], [0, 0]]);
      if (extraH > 0 || extraW > 0) y = tf.pad(y, [[0, 0], [0, extraH], [0, extraW], [0, 0]]);
      let out: tf.Tensor = this.bias ? tf.add(y, this.bias) : y;
      if (this.act !== 'identity') out = activationFn(this.act)(out);
      return out as tf.Tensor4D;
    });
  }
}
