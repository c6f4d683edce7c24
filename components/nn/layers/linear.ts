import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { UnaryModule } from '../module.ts';
import { type Initializer, torchDefaultBias, torchDefaultWeight } from '../init.ts';
import { type ActivationName, activationFn, fusedActivation } from '../activations.ts';
import { affine } from '../fused/linear.ts';

export interface LinearOptions {
  bias?: boolean;
  /** Applied after the affine map; relu/elu/sigmoid/leaky_relu run fused in the same kernel. */
  activation?: ActivationName;
  weightInit?: Initializer;
  biasInit?: Initializer;
}

/**
 * y = x·W + b over the last axis of x (any leading shape).
 *
 * Layout: `weight` is `[in, out]` (the transpose of PyTorch's `[out, in]`), so the forward pass is
 * one `_FusedMatMul` with no transpose. Default init is PyTorch's: W, b ~ U(±1/√in).
 */
export class Linear extends UnaryModule {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  private readonly fused: ReturnType<typeof fusedActivation>;
  private readonly post: ((x: tf.Tensor) => tf.Tensor) | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, rng: Rng, opts: LinearOptions = {}) {
    super();
    this.weight = this.param('weight', [inFeatures, outFeatures], opts.weightInit ?? torchDefaultWeight(), rng);
    this.bias = (opts.bias ?? true)
      ? this.param('bias', [outFeatures], opts.biasInit ?? torchDefaultBias(inFeatures), rng)
      : null;
    const act = opts.activation ?? 'identity';
    this.fused = fusedActivation(act);
    this.post = this.fused === null ? activationFn(act) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const last = x.shape[x.rank - 1];
    if (last !== this.inFeatures) {
      throw new UntangleError('nn.linear.shape', `Linear expects last dim ${this.inFeatures}, got input [${x.shape}]`,
        { expected: this.inFeatures, shape: x.shape });
    }
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D;
      // With a bias and no activation inside the product: one kernel (fused/linear.ts).
      const plain = this.bias !== null && (this.fused === null || this.fused === 'linear');
      let y: tf.Tensor = plain
        ? affine(x2, this.weight as tf.Tensor2D, this.bias as tf.Tensor1D)
        : tf.fused.matMul({
          a: x2, b: this.weight as tf.Tensor2D, bias: this.bias ?? undefined,
          activation: this.fused ?? 'linear', leakyreluAlpha: 0.01,
        });
      if (this.post) y = this.post(y);
      return x.rank === 2 ? y : tf.reshape(y, [...lead, this.outFeatures]);
    });
  }
}
