import type { Rng } from '../../framework/util/rng.ts';
import { UntangleError } from '../../framework/util/errors.ts';

/**
 * Weight initialisers. Every value is drawn in JS from an `Rng` and uploaded by the caller, so a
 * seed gives the same weights on every backend.
 *
 * Fans follow PyTorch's `_calculate_fan_in_and_fan_out`, translated to untangle's tfjs layouts:
 *  - rank 2 `[in, out]` (Linear): fan_in = in, fan_out = out;
 *  - rank ≥ 3 `[...kernel, a, b]` (Conv2d `[kh, kw, in, out]`, ConvTranspose2d `[kh, kw, out, in]`):
 *    fan_in = a·k, fan_out = b·k with k = prod(kernel). For ConvTranspose2d this gives PyTorch's
 *    (surprising but real) fan_in = out_channels·kh·kw.
 */
export type Initializer = (shape: readonly number[], rng: Rng) => Float32Array;

export interface Fans {
  fanIn: number;
  fanOut: number;
}

export function computeFans(shape: readonly number[]): Fans {
  if (shape.length < 2) {
    throw new UntangleError('nn.init.fan', `cannot compute fan-in/fan-out of a rank-${shape.length} tensor`,
      { shape: [...shape] }, 'pass explicit fans to the initialiser');
  }
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function zeros(): Initializer {
  return (shape) => new Float32Array(size(shape));
}

export function ones(): Initializer {
  return constant(1);
}

export function constant(value: number): Initializer {
  return (shape) => new Float32Array(size(shape)).fill(value);
}

export function uniform(lo: number, hi: number): Initializer {
  return (shape, rng) => rng.fillUniform(new Float32Array(size(shape)), lo, hi);
}

export function normal(std = 1, mean = 0): Initializer {
  return (shape, rng) => rng.fillNormal(new Float32Array(size(shape)), mean, std);
}

export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu';

/** PyTorch's `calculate_gain`. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
  }
}

export interface KaimingOptions {
  /** Negative slope of the leaky ReLU after this layer (PyTorch layers use √5 for their default init). */
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
  /** Override the fans computed from the shape. */
  fans?: Fans;
}

function kaimingStd(shape: readonly number[], o: KaimingOptions): number {
  const fans = o.fans ?? computeFans(shape);
  const fan = (o.mode ?? 'fan_in') === 'fan_in' ? fans.fanIn : fans.fanOut;
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  return gain / Math.sqrt(fan);
}

/** `kaiming_uniform_`: U(−b, b) with b = gain·√(3/fan). With a = √5 (PyTorch's layer default) b = 1/√fan_in. */
export function kaimingUniform(o: KaimingOptions = {}): Initializer {
  return (shape, rng) => {
    const bound = Math.sqrt(3) * kaimingStd(shape, o);
    return rng.fillUniform(new Float32Array(size(shape)), -bound, bound);
  };
}

export function kaimingNormal(o: KaimingOptions = {}): Initializer {
  return (shape, rng) => rng.fillNormal(new Float32Array(size(shape)), 0, kaimingStd(shape, o));
}

/** `xavier_uniform_` (Glorot): U(−b, b) with b = gain·√(6/(fan_in+fan_out)). */
export function xavierUniform(gain = 1, fans?: Fans): Initializer {
  return (shape, rng) => {
    const f = fans ?? computeFans(shape);
    const bound = gain * Math.sqrt(6 / (f.fanIn + f.fanOut));
    return rng.fillUniform(new Float32Array(size(shape)), -bound, bound);
  };
}

/** `xavier_normal_` (Glorot): N(0, gain²·2/(fan_in+fan_out)). */
export function xavierNormal(gain = 1, fans?: Fans): Initializer {
  return (shape, rng) => {
    const f = fans ?? computeFans(shape);
    return rng.fillNormal(new Float32Array(size(shape)), 0, gain * Math.sqrt(2 / (f.fanIn + f.fanOut)));
  };
}

export const glorotUniform = xavierUniform;
export const glorotNormal = xavierNormal;

/** PyTorch's default weight init for Linear/Conv*: kaiming_uniform(a = √5), i.e. U(±1/√fan_in). */
export function torchDefaultWeight(fans?: Fans): Initializer {
  return kaimingUniform({ a: Math.sqrt(5), fans });
}

/** PyTorch's default bias init for Linear/Conv*: U(±1/√fan_in) with the weight's fan_in. */
export function torchDefaultBias(fanIn: number): Initializer {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniform(-bound, bound);
}
