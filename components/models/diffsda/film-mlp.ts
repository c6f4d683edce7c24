import * as tf from '@tensorflow/tfjs-core';
import { Linear, Module, film, silu } from '../../nn/index.ts';
import { normal } from '../../nn/init.ts';
import type { Rng } from '../../../framework/util/rng.ts';
import { ReinjectedMlp } from './ts-encoder.ts';

/**
 * Random Fourier features of the noise level c_noise: [cos 2πfc, sin 2πfc] with fixed
 * f ~ N(0, scale²) (a buffer, not trained), then Linear → SiLU → Linear → SiLU.
 */
export class FourierEmbedding extends Module {
  readonly freqs: tf.Variable;
  readonly l1: Linear;
  readonly l2: Linear;

  constructor(channels: number, out: number, scale: number, rng: Rng) {
    super();
    this.freqs = this.param('freqs', [1, channels / 2], normal(scale), rng, false);
    this.l1 = this.child('linear1', new Linear(channels, out, rng));
    this.l2 = this.child('linear2', new Linear(out, out, rng));
  }

  forward(cNoise: tf.Tensor): tf.Tensor {
    const arg = tf.mul(tf.matMul(tf.reshape(cNoise, [-1, 1]), this.freqs), 2 * Math.PI);
    const e = tf.concat([tf.cos(arg), tf.sin(arg)], 1);
    const h = this.l1.forward(e);
    return silu(this.l2.forward(silu(h)));
  }
}

export interface FilmMlpOptions {
  features: number;
  width: number;
  layers: number;
  condDim: number;
  embedDim: number;
  dropout: number;
}

/**
 * DiffSDA's per-step denoiser F(c_in·x, c_noise, a): the re-injected MLP whose every Linear output
 * is modulated twice, h·(1 + scale_t) + shift_t from the noise embedding, then
 * ·(1 + scale_a) + shift_a from a_τ = [d_τ, s], before its LayerNorm; `[N, F]` → `[N, F]`.
 * With `condDim` 0 there is no a and no second modulation: the unconditional ε-network of the
 * latent prior over the codes themselves.
 */
export class FilmMlp extends Module {
  readonly embed: FourierEmbedding;
  readonly mlp: ReinjectedMlp;
  readonly tFilm: Linear[] = [];
  readonly aFilm: Linear[] = [];
  readonly out: Linear;

  get condDim(): number {
    return this.o.condDim;
  }

  constructor(readonly o: FilmMlpOptions, rng: Rng) {
    super();
    this.embed = this.child('time_embed', new FourierEmbedding(64, o.embedDim, 16, rng));
    this.mlp = this.child('mlp', new ReinjectedMlp(o.features, o.width, o.layers, o.dropout, rng));
    for (let i = 0; i < o.layers; i++) {
      this.tFilm.push(this.child(`t_film${i}`, new Linear(o.embedDim, 2 * o.width, rng)));
      if (o.condDim > 0) this.aFilm.push(this.child(`a_film${i}`, new Linear(o.condDim, 2 * o.width, rng)));
    }
    this.out = this.child('out', new Linear(o.width, o.features, rng));
  }

  denoise(x: tf.Tensor2D, cNoise: tf.Tensor1D, a: tf.Tensor2D | null, rng?: Rng): tf.Tensor2D {
    const emb = this.embed.forward(cNoise);
    // [scale, shift] = Linear(c), h·(1 + scale) + shift: one product and one fused FiLM kernel
    // each way (components/nn/fused/film.ts) where the backend has it.
    const h = this.mlp.forward(x, rng, (z, i) => {
      const zt = film(z, this.tFilm[i].forward(emb));
      return a === null || this.aFilm.length === 0 ? zt : film(zt, this.aFilm[i].forward(a));
    });
    return this.out.forward(h) as tf.Tensor2D;
  }
}
