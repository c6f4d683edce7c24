import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../framework/registry/types.ts';
import { TRACKER, type Callback, type CallbackContext, type RunTracker, type StepInfo } from '../../framework/contracts/index.ts';
import { pictureGridPng } from '../../framework/util/png.ts';

export interface ImageLoggerParams {
  every: number;
  max_images: number;
  /** Log at the first step too (latent-diffusion's `log_first_step`). */
  log_first_step: boolean;
}

/**
 * latent-diffusion's ImageLogger: every `every` steps, asks the model for its pictures
 * (`logImages`: reconstructions, traversals, samples, swaps) on a fixed batch and writes each as a
 * PNG grid under `images/train/` in the run's artifacts.
 */
export class ImageLogger implements Callback {
  /** `tracker`: the run the pictures are written into. */
  constructor(readonly p: ImageLoggerParams, private readonly tracker: RunTracker) {}

  onTrainStart(ctx: CallbackContext): void {
    if (this.p.log_first_step && ctx.step === 0) this.log(ctx);
  }

  onStepEnd(info: StepInfo, ctx: CallbackContext): void {
    if (info.step % this.p.every === 0) this.log(ctx);
  }

  onTrainEnd(ctx: CallbackContext): void {
    if (ctx.step % this.p.every !== 0) this.log(ctx);
  }

  private log(ctx: CallbackContext): void {
    if (!ctx.model.logImages) return;
    const images = ctx.model.logImages(ctx.sampleBatch, { step: ctx.step, training: false, rng: ctx.rng });
    for (const [name, t] of Object.entries(images)) {
      // Rows of max_images columns keep paired pictures (inputs over reconstructions) aligned; a
      // 5-D picture names its own columns.
      const cols = Math.max(this.p.max_images, name === 'traversal' ? 8 : this.p.max_images);
      this.tracker.logArtifact(`images/train/${name}_step-${String(ctx.step).padStart(7, '0')}.png`, pictureGridPng(t.shape, t.dataSync() as Float32Array, cols));
    }
    tf.dispose(Object.values(images));
  }
}

export const imageLoggerSpec = defineComponent<ImageLoggerParams, ImageLogger>({
  target: 'untangle.callbacks.ImageLogger',
  kind: 'callback',
  description: "Writes the model's pictures (reconstructions, traversals, samples) as PNG artifacts",
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      every: { type: 'integer', minimum: 1, default: 750 },
      max_images: { type: 'integer', minimum: 1, default: 8 },
      log_first_step: { type: 'boolean', default: false },
    },
  },
  create: (p, ctx) => new ImageLogger(p, ctx.resolve(TRACKER)),
});
