/**
 * Images per second of the procedural data sets at batch 64, from index to float32 tensor, the
 * path a training step takes (`batch(indices)`), plus the renderer alone (uint8).
 *
 *   npx tsx bench/datasets.ts [--batches 100]
 *
 * Shapes3D is measured twice: cold (each geometry's first ray cast happens inside the timing;
 * 480 casts in all) and warm (all casts memoised, the steady state of a training run).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createDSprites } from '../components/datasets/dsprites/specs.ts';
import { createShapes3D } from '../components/datasets/shapes3d/specs.ts';
import type { GroundTruthImages } from '../components/datasets/ground-truth-dataset.ts';
import { Rng } from '../framework/util/rng.ts';

const BATCH = 64;
const argIdx = process.argv.indexOf('--batches');
const BATCHES = argIdx > 0 ? Number(process.argv[argIdx + 1]) : 100;

function time(label: string, ds: GroundTruthImages, seed: number, mode: 'tensor' | 'uint8'): void {
  const rng = new Rng(seed);
  const batches = Array.from({ length: BATCHES }, () => Array.from({ length: BATCH }, () => rng.int(ds.size)));
  const t0 = performance.now();
  for (const idx of batches) {
    if (mode === 'tensor') {
      const b = ds.batch(idx);
      tf.dispose([b.x, b.factors]);
    } else {
      ds.uint8At(idx);
    }
  }
  const s = (performance.now() - t0) / 1000;
  const n = BATCHES * BATCH;
  console.log(`${label.padEnd(34)} ${(n / s).toFixed(0).padStart(8)} images/s  ${((s * 1e3) / n).toFixed(3)} ms/image  (${n} images, batch ${BATCH})`);
}

await tf.setBackend('cpu');
const ds = createDSprites();
time('dsprites  render (uint8)', ds, 1, 'uint8');
time('dsprites  batch() → float32 tensor', ds, 2, 'tensor');
const s3 = createShapes3D();
time('shapes3d  cold: first casts (uint8)', s3, 3, 'uint8');
const warm = performance.now();
s3.uint8At(Array.from({ length: 480 }, (_, g) => g)); // indices 0..479 cover all 480 (scale, shape, orientation) casts
console.log(`shapes3d  casting the remaining geometries: ${(performance.now() - warm).toFixed(0)} ms`);
time('shapes3d  warm render (uint8)', s3, 4, 'uint8');
time('shapes3d  warm batch() → float32 tensor', s3, 5, 'tensor');

// File-backed reads: a 4096-image Shapes3D-shaped file written as the real formats store it
// (stored npz as DisDiff's 3dshapes.npz; h5 chunked per image with gzip as 3dshapes.h5).
{
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { writeNpz } = await import('../framework/io/npz.ts');
  const h5wasm = (await import('h5wasm/node')).default;
  const { createShapes3DFile } = await import('../components/datasets/shapes3d/specs.ts');
  const n = 4096;
  const sizes = [4, 4, 4, 4, 4, 4];
  const images = s3.uint8At(Array.from({ length: n }, (_, i) => (i * 117) % s3.size));
  const dir = mkdtempSync(join(tmpdir(), 'bench-datasets-'));
  try {
    writeFileSync(join(dir, 'shapes.npz'), writeNpz({ images: { data: images, shape: [n, 64, 64, 3] } }));
    await h5wasm.ready;
    const f = new h5wasm.File(join(dir, 'shapes.h5'), 'w');
    f.create_dataset({ name: 'images', data: images, shape: [n, 64, 64, 3], dtype: '<B', chunks: [1, 64, 64, 3], compression: 'gzip' });
    f.close();
    time('file  stored npz batch() (4096 imgs)', createShapes3DFile({ path: join(dir, 'shapes.npz'), factor_sizes: sizes }), 6, 'tensor');
    time('file  h5 gzip batch() (4096 imgs)', createShapes3DFile({ path: join(dir, 'shapes.h5'), factor_sizes: sizes }), 7, 'tensor');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
