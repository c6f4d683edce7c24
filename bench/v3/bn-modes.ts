// Diagnostic: does the BatchNorm train/eval gap move V3's retrieval numbers? Scores one trained
// run's checkpoint three ways with the run's own retrieval, codebook and neighbour metrics:
//   eval   — eval-mode BatchNorm with the running statistics saved in the checkpoint (what
//            `untangle run` reports);
//   recal  — running statistics recomputed with the final weights as an exact average over
//            `--batches` training batches (PreciseBN), then eval mode;
//   batch  — each evaluation batch normalised by its own statistics (training-mode BatchNorm).
//
//   npx tsx bench/v3/bn-modes.ts --run ARTIFACT_DIR [--batches 100] [--modes eval,recal,batch]
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { loadRunWeights } from '../../framework/run/weights.ts';
import { RESOLVED_CONFIG_REL } from '../../framework/trainer/resolvers.ts';
import type { Module } from '../../components/nn/module.ts';
import { BatchNorm } from '../../components/nn/layers/batch-norm.ts';
import { scriptArgs } from '../parity/script-args.ts';
import { headline, scoreWith, scratchParts } from './scratch-parts.ts';

const { opt } = scriptArgs();
const dir = opt('--run');
if (!dir) throw new Error('usage: bn-modes.ts --run ARTIFACT_DIR [--batches N] [--modes eval,recal,batch]');
const nBatches = Number(opt('--batches') ?? 100);
const modes = (opt('--modes') ?? 'eval,recal,batch').split(',');

const sp = await scratchParts([join(dir, RESOLVED_CONFIG_REL)], [], ['retrieval', 'codebook', 'neighbours']);
const { parts, sections: s } = sp;
const model = parts.model as unknown as Module & typeof parts.model;
const norms = [...model.namedModules().values()].filter((m): m is BatchNorm => m instanceof BatchNorm);

async function score(mode: string): Promise<void> {
  console.log(`${mode.padEnd(6)} ${headline(await scoreWith(sp, parts.model))}`);
}
for (const mode of modes) {
  loadRunWeights(parts, dir);
  if (mode === 'recal') {
    for (const bn of norms) { bn.runningMean.assign(tf.zerosLike(bn.runningMean)); bn.runningVar.assign(tf.zerosLike(bn.runningVar)); }
    model.train(true);
    const data = parts.dataset;
    const bs = s.data.batch_size;
    for (let k = 0; k < nBatches; k++) {
      // Cumulative average: the k-th batch gets weight 1/(k+1). afterStep() is never called, so
      // the EMA codebook and its restarts are untouched: only BatchNorm's statistics move.
      for (const bn of norms) (bn as { momentum: number }).momentum = 1 / (k + 1);
      const idx = Array.from({ length: bs }, (_, i) => (k * bs + i) % data.size);
      const batch = data.batch(idx);
      tf.tidy(() => { parts.model.forward(batch, { step: 0, training: false } as never); });
      tf.dispose(Object.values(batch));
    }
    model.eval();
  }
  if (mode === 'batch') {
    model.train(true);
    const keep = model.eval.bind(model);
    model.eval = () => model;           // encodeFragments' eval() left out: BatchNorm uses each batch's statistics
    for (const bn of norms) (bn as { momentum: number }).momentum = 0;
    await score(mode);
    model.eval = keep;
    model.eval();
    continue;
  }
  await score(mode);
}
