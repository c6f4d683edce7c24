import * as tf from '@tensorflow/tfjs-core';
import { UntangleError } from '../../framework/util/errors.ts';
import { silu as fusedSilu } from './fused/silu.ts';
import { UnaryModule } from './module.ts';

/**
 * Element-wise activations, PyTorch semantics.
 *
 * GELU: `gelu(x)` is the exact erf form (PyTorch's `nn.GELU()` default), built on `tf.erf`, which
 * the cpu and wasm backends both implement (with a gradient). tfjs's erf is the Abramowitz–Stegun
 * 7.1.26 polynomial (|error| ≤ 1.5e-7), so it agrees with PyTorch to float32 precision.
 * `gelu(x, 'tanh')` is PyTorch's `approximate='tanh'` form, for backends without Erf.
 */
export type ActivationName =
  | 'identity' | 'relu' | 'silu' | 'gelu' | 'gelu_tanh' | 'leaky_relu' | 'elu' | 'softplus' | 'sigmoid' | 'tanh';

export const ACTIVATION_NAMES: readonly ActivationName[] = [
  'identity', 'relu', 'silu', 'gelu', 'gelu_tanh', 'leaky_relu', 'elu', 'softplus', 'sigmoid', 'tanh',
];

export function relu<T extends tf.Tensor>(x: T): T {
  return tf.relu(x);
}

/** SiLU / swish: x·σ(x) (one fused kernel where the backend has it). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => fusedSilu(x));
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export function gelu<T extends tf.Tensor>(x: T, approximate: 'none' | 'tanh' = 'none'): T {
  return tf.tidy(() => {
    if (approximate === 'tanh') {
      // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
    }
    return geluErf(x) as T;
  });
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * x·Φ(x) with Φ(x) = (1 + erf(x/√2))/2, and its gradient written out, Φ(x) + x·φ(x) with
 * φ(x) = exp(−x²/2)/√(2π): 7 kernels backward instead of autodiff's ~12 through erf and the
 * products (GELU is every V3 residual block's activation).
 */
// tfjs types customGrad's inputs as one union list; the op takes exactly (x, save).
const geluErf = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5);
  save([x, cdf]);
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, c] = saved;
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), INV_SQRT_2PI);
      return tf.mul(dy, tf.add(c, tf.mul(xs, pdf)));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export function leakyRelu<T extends tf.Tensor>(x: T, negativeSlope = 0.01): T {
  return tf.leakyRelu(x, negativeSlope);
}

/** PyTorch `F.softplus` with beta = 1: log(1 + eˣ); tfjs's kernel is already overflow-safe. */
export function softplus<T extends tf.Tensor>(x: T): T {
  return tf.softplus(x);
}

export function sigmoid<T extends tf.Tensor>(x: T): T {
  return tf.sigmoid(x);
}

export function tanh<T extends tf.Tensor>(x: T): T {
  return tf.tanh(x);
}

export function elu<T extends tf.Tensor>(x: T): T {
  return tf.elu(x);
}

/** The function for an activation name (e.g. from a config's `activation: silu`). */
export function activationFn(name: ActivationName): (x: tf.Tensor) => tf.Tensor {
  switch (name) {
    case 'identity': return (x) => x;
    case 'relu': return relu;
    case 'silu': return silu;
    case 'gelu': return (x) => gelu(x);
    case 'gelu_tanh': return (x) => gelu(x, 'tanh');
    case 'leaky_relu': return (x) => leakyRelu(x);
    case 'elu': return elu;
    case 'softplus': return softplus;
    case 'sigmoid': return sigmoid;
    case 'tanh': return tanh;
    default:
      throw new UntangleError('nn.activation.unknown', `unknown activation '${String(name)}'`,
        { name }, `use one of ${ACTIVATION_NAMES.join(', ')}`);
  }
}

/**
 * The activations tfjs can fuse into `tf.fused.conv2d`/`tf.fused.matMul` (one kernel with the
 * bias add). tfjs unfuses them itself while a gradient tape is recording, so this is always safe.
 */
export type FusableActivation = 'linear' | 'relu' | 'elu' | 'sigmoid' | 'leakyrelu';

export function fusedActivation(name: ActivationName): FusableActivation | null {
  switch (name) {
    case 'identity': return 'linear';
    case 'relu': return 'relu';
    case 'elu': return 'elu';
    case 'sigmoid': return 'sigmoid';
    case 'leaky_relu': return 'leakyrelu';
    default: return null;
  }
}

/** An activation as a module, for `Sequential`. Has no variables. */
export class Activation extends UnaryModule {
  private readonly fn: (x: tf.Tensor) => tf.Tensor;
  constructor(readonly kind: ActivationName) {
    super();
    this.fn = activationFn(kind);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.fn(x);
  }
}
