import * as tf from '@tensorflow/tfjs-core';
import { Bidirectional, Dropout, LayerNorm, Linear, Module, TanhRNN, silu } from '../../nn/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';

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

export interface SeriesEncoderOptions {
  features: number;
  mlpWidth: number;
  layers: number;
  hidden: number;
  staticDim: number;
  dynamicDim: number;
  dropout: number;
}

/**
 * DiffSDA's series/audio encoder: per-step re-injected MLP → BiLSTM(hidden); s = Linear of
 * [forward state at T, backward state at 1] (both have seen the whole sequence); d_τ = Linear of
 * a tanh RNN over the BiLSTM outputs.
 */
export class SeriesEncoder extends Module {
  readonly mlp: ReinjectedMlp;
  readonly bilstm: Bidirectional;
  readonly staticHead: Linear;
  readonly rnn: TanhRNN;
  readonly dynamicHead: Linear;

  constructor(o: SeriesEncoderOptions, rng: Rng) {
    super();
    this.mlp = this.child('mlp', new ReinjectedMlp(o.features, o.mlpWidth, o.layers, o.dropout, rng));
    this.bilstm = this.child('bilstm', Bidirectional.lstm(o.mlpWidth, o.hidden, rng));
    this.staticHead = this.child('static_head', new Linear(2 * o.hidden, o.staticDim, rng));
    this.rnn = this.child('dynamic_rnn', new TanhRNN(2 * o.hidden, o.hidden, rng));
    this.dynamicHead = this.child('dynamic_head', new Linear(o.hidden, o.dynamicDim, rng));
  }

  encode(x: tf.Tensor3D, rng?: Rng): { s: tf.Tensor2D; d: tf.Tensor3D } {
    const [b, t, f] = x.shape;
    const h = tf.reshape(this.mlp.forward(tf.reshape(x, [b * t, f]), rng), [b, t, -1]) as tf.Tensor3D;
    const seq = this.bilstm.forward(h);
    return {
      s: this.staticHead.forward(seq.h) as tf.Tensor2D,
      d: this.dynamicHead.forward(this.rnn.forward(seq.output).output) as tf.Tensor3D,
    };
  }
}
