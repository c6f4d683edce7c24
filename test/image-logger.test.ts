import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ImageLogger } from '../components/callbacks/image-logger.ts';
import type { CallbackContext, Model } from '../framework/contracts/index.ts';
import { Rng } from '../framework/util/rng.ts';
import { recordingTracker } from './helpers/recording-tracker.ts';

/** PNG width and height from the IHDR chunk. */
const size = (png: Uint8Array): [number, number] => {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [v.getUint32(16), v.getUint32(20)];
};

function logged(pictures: Record<string, tf.Tensor4D | tf.Tensor5D>, maxImages = 8): Map<string, Uint8Array> {
  const tracker = recordingTracker();
  const model = { logImages: () => pictures } as unknown as Model;
  const ctx: CallbackContext = {
    model, sampleBatch: {}, step: 10, rng: new Rng(0),
  };
  new ImageLogger({ every: 10, max_images: maxImages, log_first_step: false }, tracker).onStepEnd({ step: 10, loss: 0, terms: {}, lr: 0 }, ctx);
  return tracker.artifacts as Map<string, Uint8Array>;
}

describe('image logger', () => {
  it('lays a 4-D batch out in rows of max_images and a 5-D grid with its own rows and columns', async () => {
    await tf.setBackend('cpu');
    // 6 tiles of 4×5 with a 2-pixel gutter: max_images 4 → 2 rows of 4 columns.
    const out = logged({ batch: tf.zeros([6, 4, 5, 3]) as tf.Tensor4D, grid: tf.zeros([2, 6, 4, 5, 3]) as tf.Tensor5D }, 4);
    expect(size(out.get('images/train/batch_step-0000010.png')!)).toEqual([4 * 5 + 5 * 2, 2 * 4 + 3 * 2]);
    // The 5-D grid keeps its 6 columns although max_images is 4.
    expect(size(out.get('images/train/grid_step-0000010.png')!)).toEqual([6 * 5 + 7 * 2, 2 * 4 + 3 * 2]);
  });
});
