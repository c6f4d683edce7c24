import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../framework/util/rng.ts';
import {
  Bidirectional, Conv2d, ConvTranspose2d, GroupNorm, GRU, GRUCell, LayerNorm, BatchNorm2d, Linear, LSTM, LSTMCell,
  MultiHeadSelfAttention, Upsample, activationFn, ACTIVATION_NAMES, type Module, type Padding2d,
} from '../components/nn/index.ts';
import { assertTorchOrExplainSkip, runTorch, torchStatus, type Json } from './support/torch-reference.ts';
import { expectClose } from './support/compare.ts';

/**
 * Numeric forward passes of untangle's layers against PyTorch 2.13 on the same weights and inputs.
 * The weights are drawn here (JS Rng) and handed to torch in untangle's layouts; the Python side
 * converts them to PyTorch's, so the layout documentation is checked as well.
 */

const rng = new Rng(20260101);
const randn = (shape: number[], std = 1): tf.Tensor => tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 0, std), shape);
const arr = (x: tf.Tensor): Json => x.arraySync() as Json;
const params = (m: Module): Record<string, Json> => Object.fromEntries([...m.namedVariables()].map(([k, v]) => [k, arr(v)]));

/** Randomise every variable (so zero/one inits cannot hide layout bugs). */
function scramble(m: Module, std = 0.5): void {
  for (const v of m.namedVariables().values()) v.assign(randn(v.shape, std));
}

interface Case {
  name: string;
  payload: Json;
  check: (result: Record<string, Json>) => void;
}
const cases: Case[] = [];
const add = (name: string, payload: Json, check: Case['check']): void => { cases.push({ name, payload, check }); };
let results: Record<string, Json>[] = [];

// ---- Linear --------------------------------------------------------------------------------
{
  const lin = new Linear(5, 3, rng);
  const x = randn([4, 5]);
  const y = lin.forward(x);
  add('linear', { op: 'linear', x: arr(x), weight: arr(lin.weight), bias: arr(lin.bias!) }, (r) => expectClose(arr(y), r.y, 1e-5, 1e-5, 'linear'));
  const x3 = randn([2, 3, 5]);
  const y3 = lin.forward(x3);
  add('linear rank 3', { op: 'linear', x: arr(x3), weight: arr(lin.weight), bias: arr(lin.bias!) }, (r) => expectClose(arr(y3), r.y, 1e-5, 1e-5, 'linear3'));
}

// ---- Conv2d --------------------------------------------------------------------------------
const convConfigs: { k: number; s: number; p: Padding2d; d: number; bias: boolean; h: number; w: number }[] = [
  { k: 3, s: 1, p: 1, d: 1, bias: true, h: 7, w: 6 },
  { k: 4, s: 2, p: 1, d: 1, bias: true, h: 8, w: 8 },
  { k: 5, s: 2, p: 0, d: 1, bias: false, h: 11, w: 9 },
  { k: 3, s: 1, p: 'same', d: 2, bias: true, h: 7, w: 8 },
  { k: 4, s: 1, p: 'same', d: 1, bias: true, h: 6, w: 5 }, // even kernel: asymmetric 'same'
  { k: 3, s: 3, p: [1, 2], d: 1, bias: true, h: 10, w: 7 },
  { k: 1, s: 1, p: 'valid', d: 1, bias: true, h: 4, w: 4 },
  { k: 3, s: 2, p: 2, d: 2, bias: true, h: 9, w: 8 }, // stride and dilation together
];
for (const c of convConfigs) {
  const conv = new Conv2d(3, 4, c.k, rng, { stride: c.s, padding: c.p, dilation: c.d, bias: c.bias });
  const x = randn([2, c.h, c.w, 3]);
  const y = conv.forward(x);
  add(`conv2d ${JSON.stringify(c)}`, {
    op: 'conv2d', x: arr(x), weight: arr(conv.weight), bias: conv.bias ? arr(conv.bias) : null,
    stride: c.s, padding: c.p, dilation: c.d,
  }, (r) => expectClose(arr(y), r.y, 1e-5, 1e-4, 'conv2d'));
}

// ---- ConvTranspose2d ------------------------------------------------------------------------
const convTConfigs = [
  { k: 3, s: 2, p: 1, op: 1, d: 1, h: 4, w: 5 },
  { k: 4, s: 2, p: 1, op: 0, d: 1, h: 4, w: 4 }, // the DCGAN/β-VAE decoder block
  { k: 3, s: 2, p: 0, op: 1, d: 1, h: 3, w: 4 }, // output_padding > padding
  { k: 5, s: 3, p: 2, op: 2, d: 1, h: 3, w: 3 },
  { k: 3, s: 1, p: 0, op: 1, d: 2, h: 4, w: 3 }, // dilation, output_padding < dilation
  { k: 3, s: 1, p: 2, op: 0, d: 2, h: 5, w: 4 },
  { k: 1, s: 1, p: 0, op: 0, d: 1, h: 3, w: 3 },
];
for (const c of convTConfigs) {
  const m = new ConvTranspose2d(3, 2, c.k, rng, { stride: c.s, padding: c.p, outputPadding: c.op, dilation: c.d });
  const x = randn([2, c.h, c.w, 3]);
  const y = m.forward(x);
  add(`convT ${JSON.stringify(c)}`, {
    op: 'conv_transpose2d', x: arr(x), weight: arr(m.weight), bias: arr(m.bias!),
    stride: c.s, padding: c.p, output_padding: c.op, dilation: c.d,
  }, (r) => expectClose(arr(y), r.y, 1e-5, 1e-4, 'convT'));
}

// ---- Output shapes over a grid, against nn.Conv2d / nn.ConvTranspose2d -----------------------
{
  const grid: { kind: 'conv' | 'convT'; h: number; w: number; k: number; s: number; p: number; d: number; op: number }[] = [];
  for (const h of [1, 5, 8, 13]) {
    for (const k of [1, 2, 3, 4, 5]) {
      for (const s of [1, 2, 3]) {
        for (const p of [0, 1, 2]) {
          for (const d of [1, 2]) {
            if (h + 2 * p - d * (k - 1) - 1 >= 0) grid.push({ kind: 'conv', h, w: h + 1, k, s, p, d, op: 0 });
            for (let op = 0; op < Math.max(s, d); op++) {
              if ((h - 1) * s - 2 * p + d * (k - 1) + op + 1 > 0) grid.push({ kind: 'convT', h, w: h + 2, k, s, p, d, op });
            }
          }
        }
      }
    }
  }
  const ours = grid.map((g) => tf.tidy(() => {
    const x = tf.zeros([1, g.h, g.w, 1]);
    const m = g.kind === 'conv'
      ? new Conv2d(1, 1, g.k, rng, { stride: g.s, padding: g.p, dilation: g.d })
      : new ConvTranspose2d(1, 1, g.k, rng, { stride: g.s, padding: g.p, outputPadding: g.op, dilation: g.d });
    const shape = m.forward(x).shape.slice(1, 3);
    const formula = (m as Conv2d | ConvTranspose2d).outputSize(g.h, g.w);
    m.dispose();
    return { shape, formula };
  }));
  add(`output shapes (${grid.length} configurations)`, { op: 'shapes', grid: grid as unknown as Json }, (r) => {
    const torchShapes = r.shapes as number[][];
    grid.forEach((g, i) => {
      expect(ours[i].shape, JSON.stringify(g)).toEqual(torchShapes[i]);
      expect(ours[i].formula, JSON.stringify(g)).toEqual(torchShapes[i]);
    });
  });
}

// ---- Norms -----------------------------------------------------------------------------------
{
  const gn = new GroupNorm(3, 6);
  scramble(gn);
  const x = randn([2, 4, 5, 6], 2);
  const y = gn.forward(x);
  add('group norm NHWC', { op: 'group_norm', x: arr(tf.add(x, 3)), groups: 3, eps: 1e-5, weight: arr(gn.weight!), bias: arr(gn.bias!) },
    (r) => expectClose(arr(gn.forward(tf.add(x, 3))), r.y, 2e-5, 1e-4, 'groupnorm'));
  const tokens = randn([2, 7, 6]);
  const yt = gn.forward(tokens);
  add('group norm tokens', { op: 'group_norm', x: arr(tokens), groups: 3, eps: 1e-5, weight: arr(gn.weight!), bias: arr(gn.bias!) },
    (r) => expectClose(arr(yt), r.y, 2e-5, 1e-4, 'groupnorm tokens'));
  expect(y.shape).toEqual([2, 4, 5, 6]);

  const ln = new LayerNorm([3, 8]);
  scramble(ln);
  const xl = randn([2, 3, 8], 3);
  const yl = ln.forward(xl);
  add('layer norm', { op: 'layer_norm', x: arr(xl), shape: [3, 8], eps: 1e-5, weight: arr(ln.weight!), bias: arr(ln.bias!) },
    (r) => expectClose(arr(yl), r.y, 2e-5, 1e-4, 'layernorm'));

  const bn = new BatchNorm2d(4, 1e-5, 0.1);
  scramble(bn);
  bn.runningMean.assign(tf.zeros([4]));
  bn.runningVar.assign(tf.ones([4]));
  const weight = arr(bn.weight!);
  const bias = arr(bn.bias!);
  const xb = tf.add(randn([3, 4, 5, 4], 2), 1);
  const x2 = randn([2, 3, 3, 4]);
  bn.train();
  const yTrain = bn.forward(xb);
  bn.eval();
  const yEval = bn.forward(x2);
  add('batch norm train/eval', { op: 'batch_norm', channels: 4, eps: 1e-5, momentum: 0.1, weight, bias, x: arr(xb), x2: arr(x2) }, (r) => {
    expectClose(arr(yTrain), r.y_train, 2e-5, 1e-4, 'bn train');
    expectClose(arr(bn.runningMean), r.running_mean, 1e-6, 1e-5, 'bn running_mean');
    expectClose(arr(bn.runningVar), r.running_var, 1e-6, 1e-5, 'bn running_var');
    expectClose(arr(yEval), r.y_eval, 2e-5, 1e-4, 'bn eval');
  });
}

// ---- Recurrent ---------------------------------------------------------------------------------
const rnnParams = (m: Module): Json => {
  const p = params(m);
  return { weight_ih: p.weight_ih, weight_hh: p.weight_hh, bias_ih: p.bias_ih, bias_hh: p.bias_hh };
};
{
  const lstm = new LSTM(3, 4, rng);
  const x = randn([2, 6, 3]);
  const h0 = randn([2, 4], 0.5) as tf.Tensor2D;
  const c0 = randn([2, 4], 0.5) as tf.Tensor2D;
  const out = lstm.forward(x as tf.Tensor3D, { h: h0, c: c0 });
  add('lstm', { op: 'rnn', cell: 'lstm', input: 3, hidden: 4, params: rnnParams(lstm), x: arr(x), h0: arr(h0), c0: arr(c0) }, (r) => {
    expectClose(arr(out.output), r.output, 1e-5, 1e-4, 'lstm output');
    expectClose(arr(out.h), (r.h as Json[])[0], 1e-5, 1e-4, 'lstm h');
    expectClose(arr(out.c!), (r.c as Json[])[0], 1e-5, 1e-4, 'lstm c');
  });

  const gru = new GRU(3, 5, rng);
  const hg = randn([2, 5], 0.5) as tf.Tensor2D;
  const og = gru.forward(x as tf.Tensor3D, { h: hg });
  add('gru', { op: 'rnn', cell: 'gru', input: 3, hidden: 5, params: rnnParams(gru), x: arr(x), h0: arr(hg) }, (r) => {
    expectClose(arr(og.output), r.output, 1e-5, 1e-4, 'gru output');
    expectClose(arr(og.h), (r.h as Json[])[0], 1e-5, 1e-4, 'gru h');
  });

  for (const cell of ['lstm', 'gru'] as const) {
    const bi = cell === 'lstm' ? Bidirectional.lstm(3, 4, rng) : Bidirectional.gru(3, 4, rng);
    const ob = bi.forward(x as tf.Tensor3D);
    add(`bidirectional ${cell}`, {
      op: 'rnn', cell, input: 3, hidden: 4, bidirectional: true, x: arr(x),
      params: rnnParams(bi.fwd), params_reverse: rnnParams(bi.bwd),
    }, (r) => {
      expectClose(arr(ob.output), r.output, 1e-5, 1e-4, `bi ${cell} output`);
      const [hf, hb] = r.h as Json[];
      expectClose(arr(ob.h), arr(tf.concat([tf.tensor(hf as number[][]), tf.tensor(hb as number[][])], 1)), 1e-5, 1e-4, `bi ${cell} h`);
    });
  }

  const lc = new LSTMCell(3, 4, rng);
  const xs = randn([2, 3]) as tf.Tensor2D;
  const s = lc.step(xs, { h: h0, c: c0 });
  add('lstm cell', { op: 'cell', cell: 'lstm', input: 3, hidden: 4, params: rnnParams(lc), x: arr(xs), h0: arr(h0), c0: arr(c0) }, (r) => {
    expectClose(arr(s.h), r.h, 1e-5, 1e-4, 'lstmcell h');
    expectClose(arr(s.c), r.c, 1e-5, 1e-4, 'lstmcell c');
  });
  const gc = new GRUCell(3, 5, rng);
  const hs = gc.step(xs, hg);
  add('gru cell', { op: 'cell', cell: 'gru', input: 3, hidden: 5, params: rnnParams(gc), x: arr(xs), h0: arr(hg) },
    (r) => expectClose(arr(hs), r.h, 1e-5, 1e-4, 'grucell h'));
}

// ---- Attention, activations, upsampling --------------------------------------------------------
{
  const mha = new MultiHeadSelfAttention(8, 2, rng);
  const x = randn([2, 5, 8]);
  const y = mha.forward(x);
  add('multi-head self-attention', {
    op: 'mha', channels: 8, heads: 2, x: arr(x),
    qkv_weight: arr(mha.qkv.weight), qkv_bias: arr(mha.qkv.bias!), proj_weight: arr(mha.proj.weight), proj_bias: arr(mha.proj.bias!),
  }, (r) => expectClose(arr(y), r.y, 1e-5, 1e-4, 'mha'));

  const xa = tf.mul(randn([64]), 4);
  const ours = Object.fromEntries(ACTIVATION_NAMES.filter((n) => n !== 'identity').map((n) => [n, arr(activationFn(n)(xa))]));
  add('activations', { op: 'activations', x: arr(xa) }, (r) => {
    for (const [name, v] of Object.entries(ours)) expectClose(v, r[name], 1e-6, 1e-5, name);
  });

  const up = new Upsample(2);
  const xu = randn([1, 3, 4, 2]);
  const yu = up.forward(xu);
  add('upsample nearest', { op: 'upsample', x: arr(xu), scale: 2 }, (r) => expectClose(arr(yu), r.y, 0, 0, 'upsample'));
}

const torch = torchStatus();

describe('nn layers vs PyTorch 2.13', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    if (torch.ok) results = runTorch(cases.map((c) => c.payload)) as Record<string, Json>[];
  });

  it('has a PyTorch reference (skips without one, fails in CI)', () => {
    assertTorchOrExplainSkip();
  });

  for (const [i, c] of cases.entries()) {
    it.skipIf(!torch.ok)(c.name, () => c.check(results[i]));
  }
});
