// Evidence for the V3 CPU preset on procedural PhoneNums: precision@1 (nearest neighbour, self
// excluded) of content and style codes against digit and colour labels, frequency-weighted
// codebook purity, atoms in use, and zero-shot OOD digit accuracy on the unseen palette (atoms
// mapped to digits on in-distribution test pages). A minimal stand-in until the v3-eval branch's
// retrieval and codebook metric components are merged.
//
//   npx tsx bench/v3/evaluate-phonenums.ts <checkpoint.safetensors | untrained> [pages]
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../framework/backends/select.ts';
import { loadCheckpoint } from '../../framework/trainer/checkpoint.ts';
import { Rng } from '../../framework/util/rng.ts';
import { CSAE } from '../../components/models/v3/csae.ts';
import { PhoneNums } from '../../components/datasets/v3/phonenums.ts';

const [ckpt = 'untrained', pagesArg = '200'] = process.argv.slice(2);
const pages = Number(pagesArg);
await selectBackend('auto', { log: () => undefined });
const model = new CSAE({ n_channels: 32, min_width: 4, n_fragments: 10, fragment_len: 48, n_feature: 32, in_channels: 3, d_emb_c: 32, d_emb_s: 32,
  n_atoms: 10, threshold_ema_dead_code: 4, vq_ema_decay: 0.98, freeze_codebook: false, strides: 'both', stages: 4, kernel: 5 }, new Rng(0));
if (ckpt !== 'untrained') model.loadWeights(loadCheckpoint(ckpt).groups.model);

function codes(palette: 'in' | 'ood') {
  const ds = new PhoneNums({ size: pages, n_fragments: 10, split: 'test', shots: 1, palette, seed: 0 });
  const c: number[][] = [], s: number[][] = [], a: number[] = [], digit: number[] = [], colour: number[] = [];
  for (let i = 0; i < pages; i += 20) {
    const b = ds.batch(Array.from({ length: Math.min(20, pages - i) }, (_, k) => i + k));
    const e = model.encodeFragments(b.x);
    c.push(...(tf.reshape(e.content, [-1, 32]).arraySync() as number[][]));
    s.push(...(tf.reshape(e.style, [-1, 32]).arraySync() as number[][]));
    a.push(...e.atoms.dataSync());
    digit.push(...b.content.dataSync());
    for (const v of b.style.dataSync()) for (let k = 0; k < 10; k++) colour.push(v);
  }
  return { c, s, a, digit, colour };
}

function precisionAt1(x: number[][], y: number[]): number {
  let hit = 0;
  for (let i = 0; i < x.length; i++) {
    let best = -1, bd = Infinity;
    for (let j = 0; j < x.length; j++) {
      if (j === i) continue;
      let d = 0;
      for (let k = 0; k < x[i].length; k++) d += (x[i][k] - x[j][k]) ** 2;
      if (d < bd) { bd = d; best = j; }
    }
    if (y[best] === y[i]) hit++;
  }
  return hit / x.length;
}

const ind = codes('in');
const counts = Array.from({ length: 10 }, () => new Array(10).fill(0));
ind.a.forEach((atom, i) => counts[atom][ind.digit[i]]++);
const used = counts.filter((r) => r.some((v) => v > 0)).length;
const weightedPurity = counts.reduce((s, r) => s + Math.max(...r), 0) / ind.a.length;
const atomDigit = counts.map((r) => r.indexOf(Math.max(...r)));
const ood = codes('ood');
const zeroShot = ood.a.filter((atom, i) => atomDigit[atom] === ood.digit[i]).length / ood.a.length;
console.log(JSON.stringify({
  checkpoint: ckpt, fragments: ind.a.length,
  content_digit_p1: precisionAt1(ind.c, ind.digit), content_colour_p1: precisionAt1(ind.c, ind.colour),
  style_colour_p1: precisionAt1(ind.s, ind.colour), style_digit_p1: precisionAt1(ind.s, ind.digit),
  codebook_weighted_purity: weightedPurity, atoms_used: used, zero_shot_ood_digit_acc: zeroShot,
}));
