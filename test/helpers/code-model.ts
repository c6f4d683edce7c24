import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Dataset, DatasetFingerprint, ModelMetricContext, Outputs } from '../../framework/contracts/index.ts';
import { Rng } from '../../framework/util/rng.ts';
import type { StaticDynamicModel } from '../../components/models/sequential/types.ts';

/**
 * A static/dynamic "model" whose codes are chosen input channels, so a metric's answer is known
 * in advance: s = channels `staticChannels` at step 0, d_t = channels `dynamicChannels` at step t.
 */
export class ChannelCodes implements StaticDynamicModel {
  readonly staticDim: number;
  readonly dynamicDim: number;
  constructor(readonly staticChannels: number[], readonly dynamicChannels: number[]) {
    this.staticDim = staticChannels.length;
    this.dynamicDim = dynamicChannels.length;
  }
  encodeParts(x: tf.Tensor): { static: tf.Tensor2D; dynamic: tf.Tensor3D } {
    return tf.tidy(() => {
      const x3 = x as tf.Tensor3D;
      const pick = (ch: number[]) => tf.concat(ch.map((c) => tf.slice(x3, [0, 0, c], [-1, -1, 1])), 2) as tf.Tensor3D;
      const s = tf.squeeze(tf.slice(pick(this.staticChannels), [0, 0, 0], [-1, 1, -1]), [1]) as tf.Tensor2D;
      return { static: s, dynamic: pick(this.dynamicChannels) };
    });
  }
  decodeParts(): tf.Tensor { throw new Error('ChannelCodes does not decode'); }
  sampleStatic(): tf.Tensor2D { throw new Error('ChannelCodes has no prior'); }
  sampleDynamic(): tf.Tensor3D { throw new Error('ChannelCodes has no prior'); }
  forward(): Outputs { return {}; }
  namedVariables(): Map<string, tf.Variable> { return new Map(); }
  trainableVariables(): tf.Variable[] { return []; }
}

/** A data set held in memory: per-example arrays under each key, with their shapes. */
export class ArrayDataset implements Dataset {
  readonly elementSpec: Record<string, number[]>;
  constructor(readonly size: number, readonly arrays: Record<string, { data: Float32Array | Int32Array; shape: number[] }>) {
    this.elementSpec = Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, v.shape]));
  }
  batch(indices: ArrayLike<number>): Batch {
    const out: Batch = {};
    for (const [k, { data, shape }] of Object.entries(this.arrays)) {
      const per = shape.reduce((a, b) => a * b, 1);
      const buf = data instanceof Int32Array ? new Int32Array(indices.length * per) : new Float32Array(indices.length * per);
      for (let i = 0; i < indices.length; i++) buf.set(data.subarray(indices[i] * per, indices[i] * per + per), i * per);
      out[k] = tf.tensor(buf, [indices.length, ...shape], data instanceof Int32Array ? 'int32' : 'float32');
    }
    return out;
  }
  fingerprint(): DatasetFingerprint { return { name: 'array', digest: '0', source: 'test' }; }
}

export function metricContext(model: StaticDynamicModel, dataset: Dataset, seed = 0): ModelMetricContext {
  return { model, dataset, rng: new Rng(seed), batchSize: 64 };
}
