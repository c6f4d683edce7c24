import * as tf from '@tensorflow/tfjs-core';
import { Dropout, LayerNorm, Linear, Module, silu } from '../../nn/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';
import { SequenceCodeEncoder, type SequenceCodeOptions } from './sequence-codes.ts';

/**
 * `layers` per-step blocks Linear → LayerNorm → SiLU → dropout, the raw input concatenated back
 * in before every block after the first (DiffSDA's re-injection, which keeps the step's values
 * reachable however deep the stack). `[N, F]` → `[N, width]`; `cond` (optional) is a per-row
 * modulation applied after each Linear (the denoiser's FiLM).
 */
export class ReinjectedMlp extends Module {
  readonly blocks: Linear[] = [];
  readonly norms: LayerNorm[] = [];
  readonly drop: Dropout;

  constructor(readonly inFeatures: number, readonly width: number, layers: number, dropout: number, rng: Rng) {
    super();
    for (let i = 0; i < layers; i++) {
      this.blocks.push(this.child(`linear${i}`, new Linear(i === 0 ? inFeatures : width + inFeatures, width, rng)));
      this.norms.push(this.child(`norm${i}`, new LayerNorm(width)));
    }
    this.drop = this.child('drop', new Dropout(dropout));
  }

  forward(x: tf.Tensor, rng?: Rng, modulate?: (h: tf.Tensor, layer: number) => tf.Tensor): tf.Tensor {
    let h = x;
    this.blocks.forEach((lin, i) => {
      let z = lin.forward(i === 0 ? h : tf.concat([h, x], -1));
      if (modulate) z = modulate(z, i);
      const n = this.norms[i].forward(z);
      h = this.drop.forward(silu(n), rng);
    });
    return h;
  }
}

export interface SeriesEncoderOptions extends SequenceCodeOptions {
  features: number;
  mlpWidth: number;
  layers: number;
  dropout: number;
}

/**
 * DiffSDA's series/audio encoder: per-step re-injected MLP, then the shared sequence part
 * (BiLSTM → s from the ends, tanh RNN → d_τ).
 */
export class SeriesEncoder extends SequenceCodeEncoder {
  readonly mlp: ReinjectedMlp;

  constructor(o: SeriesEncoderOptions, rng: Rng) {
    super();
    this.mlp = this.child('mlp', new ReinjectedMlp(o.features, o.mlpWidth, o.layers, o.dropout, rng));
    this.buildHeads(o.mlpWidth, o, rng);
  }

  protected stepFeatures(x: tf.Tensor, rng?: Rng): tf.Tensor3D {
    const [b, t, f] = x.shape;
    return tf.reshape(this.mlp.forward(tf.reshape(x, [b * t, f]), rng), [b, t, -1]) as tf.Tensor3D;
  }
}
