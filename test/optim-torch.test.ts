import { beforeAll, describe, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../framework/util/rng.ts';
import { Adam, AdamW, SGD, clipGradNorm, type SlotOptimizer } from '../components/optim/index.ts';
import { assertTorchOrExplainSkip, runTorch, torchStatus, type Json } from './support/torch-reference.ts';
import { expectClose } from './support/compare.ts';

/**
 * Optimiser updates against torch.optim on identical parameters, gradients and per-step learning
 * rates (the lr changes every step, as a schedule would change it), and clip_grad_norm_.
 */

const rng = new Rng(7);
const shapes = [[3, 4], [5], [2, 1, 3]];
const STEPS = 6;
const randn = (shape: number[], std = 1): tf.Tensor => tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 0, std), shape);

const init = shapes.map((s) => randn(s));
// Gradients of very different scales per variable and step, so bias correction and eps matter.
const gradSeq = Array.from({ length: STEPS }, (_, t) => shapes.map((s, i) => randn(s, 10 ** (i - 1) * (t + 1) * 0.3)));
const lrs = Array.from({ length: STEPS }, (_, t) => 0.05 * (1 + 0.5 * Math.cos(t)));

interface OptCase {
  name: string;
  kind: 'adam' | 'adamw' | 'sgd';
  options: Record<string, Json>;
  make: () => SlotOptimizer;
}
const optCases: OptCase[] = [
  { name: 'Adam defaults', kind: 'adam', options: { betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 }, make: () => new Adam({ lr: lrs[0] }) },
  { name: 'Adam β=(0.5,0.9) eps=1e-3 L2 0.1', kind: 'adam', options: { betas: [0.5, 0.9], eps: 1e-3, weight_decay: 0.1 },
    make: () => new Adam({ lr: lrs[0], betas: [0.5, 0.9], eps: 1e-3, weightDecay: 0.1 }) },
  { name: 'AdamW default decay (0.01)', kind: 'adamw', options: { betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01 }, make: () => new AdamW({ lr: lrs[0] }) },
  { name: 'AdamW decay 0.5', kind: 'adamw', options: { betas: [0.9, 0.99], eps: 1e-8, weight_decay: 0.5 },
    make: () => new AdamW({ lr: lrs[0], betas: [0.9, 0.99], weightDecay: 0.5 }) },
  { name: 'SGD plain', kind: 'sgd', options: { momentum: 0, dampening: 0, nesterov: false, weight_decay: 0 }, make: () => new SGD({ lr: lrs[0] }) },
  { name: 'SGD momentum 0.9 dampening 0.1 wd 0.01', kind: 'sgd', options: { momentum: 0.9, dampening: 0.1, nesterov: false, weight_decay: 0.01 },
    make: () => new SGD({ lr: lrs[0], momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }) },
  { name: 'SGD Nesterov 0.8 wd 0.05', kind: 'sgd', options: { momentum: 0.8, dampening: 0, nesterov: true, weight_decay: 0.05 },
    make: () => new SGD({ lr: lrs[0], momentum: 0.8, nesterov: true, weightDecay: 0.05 }) },
];

function runOurs(make: () => SlotOptimizer): Json[] {
  const vars = init.map((t) => tf.variable(t.clone()));
  const opt = make();
  const history: Json[] = [];
  for (let t = 0; t < STEPS; t++) {
    opt.apply(vars, gradSeq[t], lrs[t]);
    history.push(vars.map((v) => v.arraySync() as Json));
  }
  opt.dispose();
  vars.forEach((v) => v.dispose());
  return history;
}

const clipCases = [
  { maxNorm: 1, normType: 2 }, { maxNorm: 1e3, normType: 2 }, { maxNorm: 0.5, normType: 1 }, { maxNorm: 0.5, normType: Infinity },
];

const torch = torchStatus();
let results: Record<string, Json>[] = [];

describe('optimisers vs torch.optim (PyTorch 2.13)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    if (!torch.ok) return;
    const payload: Json[] = [
      ...optCases.map((c) => ({
        op: 'optimizer', kind: c.kind, options: c.options, lrs,
        params: init.map((t) => t.arraySync() as Json), grads: gradSeq.map((gs) => gs.map((g) => g.arraySync() as Json)),
      })),
      ...clipCases.map((c) => ({
        op: 'clip', max_norm: c.maxNorm, norm_type: c.normType === Infinity ? 'inf' : c.normType,
        grads: gradSeq[2].map((g) => g.arraySync() as Json),
      })),
    ];
    results = runTorch(payload) as Record<string, Json>[];
  });

  it('has a PyTorch reference (skips without one, fails in CI)', () => {
    assertTorchOrExplainSkip();
  });

  optCases.forEach((c, i) => {
    it.skipIf(!torch.ok)(`${c.name}: ${STEPS} steps`, () => {
      const ours = runOurs(c.make);
      const ref = results[i].history as Json[];
      for (let t = 0; t < STEPS; t++) expectClose(ours[t], ref[t], 1e-6, 2e-5, `${c.name} step ${t + 1}`);
    });
  });

  clipCases.forEach((c, j) => {
    it.skipIf(!torch.ok)(`clipGradNorm max_norm=${c.maxNorm} norm_type=${c.normType}`, () => {
      const r = results[optCases.length + j];
      const { grads, totalNorm } = clipGradNorm(gradSeq[2], c.maxNorm, c.normType);
      expectClose(totalNorm, r.total, 1e-6, 1e-5, 'total norm');
      expectClose(grads.map((g) => g.arraySync() as Json), r.grads, 1e-7, 1e-5, 'clipped grads');
      tf.dispose(grads);
    });
  });
});
