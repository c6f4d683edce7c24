import * as tf from '@tensorflow/tfjs-core';
import { Module, Conv2d, BatchNorm, BatchNorm2d, leakyRelu, init } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import { Rng } from '../../../framework/util/rng.ts';

export interface PatchDiscriminatorParams {
  in_channels: number;
  ndf: number;
  n_layers: number;
}

/**
 * taming's `NLayerDiscriminator` (the pix2pix PatchGAN): a 4×4 stride-2 conv + LeakyReLU(0.2),
 * `n_layers − 1` more 4×4 stride-2 convs (bias-free) + BatchNorm + LeakyReLU with the width doubling
 * up to 8·ndf, one 4×4 stride-1 conv + BatchNorm + LeakyReLU, and a 4×4 stride-1 conv to one logit
 * per patch. Weights N(0, 0.02), BatchNorm scales N(1, 0.02) (taming's `weights_init`).
 * Images in [−1, 1], `[B,H,W,C]` → patch logits `[B,h,w,1]`.
 */
export class PatchDiscriminator extends Module {
  private readonly layers: { conv: Conv2d; norm: BatchNorm | null; act: boolean }[] = [];

  constructor(readonly p: PatchDiscriminatorParams, rng: Rng) {
    super();
    const w = init.normal(0.02);
    const add = (k: string, cin: number, cout: number, stride: number, norm: boolean, act: boolean) => {
      const conv = this.child(`${k}_conv`, new Conv2d(cin, cout, 4, rng, { stride, padding: 1, bias: !norm, weightInit: w }));
      const bn = norm ? this.child(`${k}_norm`, new BatchNorm2d(cout)) : null;
      if (bn?.weight) bn.weight.assign(tf.tensor(new Rng(rng.int(2 ** 30)).fillNormal(new Float32Array(cout), 1, 0.02)));
      this.layers.push({ conv, norm: bn, act });
    };
    add('l0', p.in_channels, p.ndf, 2, false, true);
    let mult = 1;
    for (let n = 1; n < p.n_layers; n++) {
      const prev = mult;
      mult = Math.min(2 ** n, 8);
      add(`l${n}`, p.ndf * prev, p.ndf * mult, 2, true, true);
    }
    const prev = mult;
    mult = Math.min(2 ** p.n_layers, 8);
    add(`l${p.n_layers}`, p.ndf * prev, p.ndf * mult, 1, true, true);
    add('out', p.ndf * mult, 1, 1, false, false);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = x;
      for (const l of this.layers) {
        h = l.conv.forward(h);
        if (l.norm) h = l.norm.forward(h);
        if (l.act) h = leakyRelu(h, 0.2);
      }
      return h;
    });
  }
}

export const patchDiscriminatorSpec = defineComponent<PatchDiscriminatorParams, PatchDiscriminator>({
  target: 'untangle.models.PatchDiscriminator',
  kind: 'model',
  description: "taming's NLayerDiscriminator (PatchGAN) for the autoencoder losses' adversarial term",
  schema: {
    type: 'object', additionalProperties: false,
    properties: {
      in_channels: { type: 'integer', minimum: 1, default: 3 },
      ndf: { type: 'integer', minimum: 1, default: 64 },
      n_layers: { type: 'integer', minimum: 1, default: 3 },
    },
  },
  create: (p, ctx) => new PatchDiscriminator(p, new Rng(ctx.seed)),
});
