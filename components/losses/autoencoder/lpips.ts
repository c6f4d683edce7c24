import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { readSafetensors } from '../../../framework/trainer/safetensors.ts';
import { UntangleError } from '../../../framework/util/errors.ts';

/**
 * LPIPS (Zhang et al. 2018) with the VGG16 trunk, as taming/LDM use it. The weights cannot be
 * downloaded here, so the user supplies one safetensors file holding, in PyTorch layouts:
 *   - `features.{0,2,5,7,10,12,14,17,19,21,24,26,28}.{weight,bias}`: torchvision VGG16's conv layers
 *     (weight `[out, in, 3, 3]`);
 *   - `lin{0..4}.model.1.weight`: LPIPS's linear heads (`[1, C, 1, 1]`), as in `vgg.pth`.
 * (A converter from `torchvision.models.vgg16(weights=...)` + `lpips/weights/v0.1/vgg.pth` is three
 * lines of `safetensors.torch.save_file`; see components/models/disdiff/README.md.)
 */
const CONV_IDS = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
/** Convs per VGG stage; LPIPS taps the ReLU after each stage's last conv. */
const STAGES = [2, 2, 3, 3, 3];
const SHIFT = [-0.03, -0.088, -0.188];
const SCALE = [0.458, 0.448, 0.45];

export class Lpips {
  private readonly convs: { w: tf.Tensor4D; b: tf.Tensor1D }[] = [];
  private readonly lins: tf.Tensor1D[] = [];

  constructor(readonly path: string | null) {
    if (!path) {
      throw new UntangleError('lpips-no-weights', 'LPIPS needs a weight file and none was given', {},
        'set loss.params.lpips_weights to a safetensors file with VGG16 `features.*` and LPIPS `lin*.model.1.weight` tensors, or set perceptual_weight: 0');
    }
    if (!existsSync(path)) throw new UntangleError('lpips-weights-missing', `LPIPS weight file not found: ${path}`, { path });
    const { tensors } = readSafetensors(path);
    const get = (k: string) => {
      const t = tensors.get(k);
      if (!t) throw new UntangleError('lpips-weights-key', `LPIPS weight file lacks '${k}'`, { path, has: [...tensors.keys()].slice(0, 8) });
      return t;
    };
    for (const id of CONV_IDS) {
      const w = get(`features.${id}.weight`);
      const b = get(`features.${id}.bias`);
      // PyTorch [out, in, kh, kw] → tfjs [kh, kw, in, out].
      this.convs.push({ w: tf.transpose(tf.tensor4d(w.data as Float32Array, w.shape as [number, number, number, number]), [2, 3, 1, 0]), b: tf.tensor1d(b.data as Float32Array) });
    }
    for (let i = 0; i < 5; i++) this.lins.push(tf.tensor1d(get(`lin${i}.model.1.weight`).data as Float32Array));
  }

  /** Per-image distance `[B]` between images in [−1, 1]. */
  distance(a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const fa = this.features(a);
      const fb = this.features(b);
      let total: tf.Tensor = tf.zeros([a.shape[0]]);
      fa.forEach((x, i) => {
        const unit = (t: tf.Tensor) => tf.div(t, tf.add(tf.sqrt(tf.sum(tf.square(t), 3, true)), 1e-10));
        const d = tf.square(tf.sub(unit(x), unit(fb[i])));
        total = tf.add(total, tf.mean(tf.sum(tf.mul(d, this.lins[i]), 3), [1, 2]));
      });
      return total as tf.Tensor1D;
    });
  }

  private features(x: tf.Tensor): tf.Tensor[] {
    let h = tf.div(tf.sub(x, tf.tensor1d(SHIFT)), tf.tensor1d(SCALE)) as tf.Tensor4D;
    const taps: tf.Tensor[] = [];
    let k = 0;
    STAGES.forEach((n, s) => {
      if (s > 0) h = tf.maxPool(h, 2, 2, 'valid');
      for (let j = 0; j < n; j++, k++) h = tf.relu(tf.add(tf.conv2d(h, this.convs[k].w, 1, 'same'), this.convs[k].b)) as tf.Tensor4D;
      taps.push(h);
    });
    return taps;
  }
}
