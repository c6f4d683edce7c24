import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../framework/backends/select.ts';
import { disentanglingCrossEntropies } from '../components/models/disdiff/dis-terms.ts';
import { DisDiffLoss } from '../components/losses/disdiff.ts';
import { fitUnitPca, projectUnits } from '../components/models/disdiff/pca.ts';
import { matrixExp, orthogonalRows } from '../components/models/disdiff/orthogonal.ts';
import { VQModel } from '../components/models/autoencoder/vq-model.ts';
import { UNet } from '../components/models/diffusion/unet.ts';
import { LatentDiffusion } from '../components/models/diffusion/latent-diffusion.ts';
import { DDIMSampler } from '../components/samplers/samplers.ts';
import { DisDiff } from '../components/models/disdiff/disdiff.ts';
import { Rng } from '../framework/util/rng.ts';

beforeAll(async () => {
  await selectBackend('cpu', { log: () => undefined });
});

const ctx = (step = 0) => ({ step, training: true, rng: new Rng(step + 11) });

describe('disentangling loss', () => {
  it('cross-entropies with target c on hand-checkable codes', () => {
    // Two units of one number. Shifting changed unit 0 by 1 and moved it onto the input's code.
    const p = tf.tensor3d([[[0], [0]]]);
    const pShift = tf.tensor3d([[[1], [0]]]);
    const z = tf.tensor3d([[[1], [3]]]);
    // logits: change ‖p − p'‖ = [1, 0]; own ‖p − z‖ − ‖p' − z‖ = [1 − 0, 3 − 3] = [1, 0].
    const right = disentanglingCrossEntropies(p, pShift, z, Int32Array.from([0]));
    expect(right.ceChange.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-1)), 5);
    expect(right.ceOwn.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-1)), 5);
    // Claiming unit 1 was shifted is penalised: −log(e⁰/(e¹ + e⁰)) = log(1 + e).
    const wrong = disentanglingCrossEntropies(p, pShift, z, Int32Array.from([1]));
    expect(wrong.ceChange.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.E), 5);
  });

  it('total = l_simple·|ε̃ − ε| + dis_weight·mean(w·(ce_own + ce_change)), w from Z or IM', () => {
    const outputs = {
      eps_pred: tf.tensor4d([1, 2], [2, 1, 1, 1]), eps: tf.zeros([2, 1, 1, 1]),
      ce_own: tf.tensor1d([1, 2]), ce_change: tf.tensor1d([0.5, 0.5]), w_z: tf.tensor1d([2, 0]), w_im: tf.tensor1d([0, 4]),
    };
    const z = new DisDiffLoss({ loss_type: 'l1', l_simple_weight: 1, dis_weight: 0.05, dis_loss_type: 'Z' }).compute({}, outputs, ctx());
    // simple = 1.5; Z: mean(2·1.5, 0·2.5) = 1.5 → 1.5 + 0.05·1.5
    expect(z.total.dataSync()[0]).toBeCloseTo(1.575, 6);
    expect(z.terms.loss_dis.dataSync()[0]).toBeCloseTo(1.5, 6);
    const im = new DisDiffLoss({ loss_type: 'l1', l_simple_weight: 1, dis_weight: 0.05, dis_loss_type: 'IM' }).compute({}, outputs, ctx());
    // IM: mean(0·1.5, 4·2.5) = 5 → 1.5 + 0.05·5
    expect(im.total.dataSync()[0]).toBeCloseTo(1.75, 6);
    const l2 = new DisDiffLoss({ loss_type: 'l2', l_simple_weight: 1, dis_weight: 0, dis_loss_type: 'Z' }).compute({}, outputs, ctx());
    expect(l2.total.dataSync()[0]).toBeCloseTo(2.5, 6);
  });
});

describe('unit representation and embeddings', () => {
  it('per-unit PCA finds the direction each unit varies along and projects onto it', () => {
    // Unit 0 varies along u = (0.6, 0.8) with amplitudes 1..4; unit 1 along (1, 0) with amplitudes 4..1.
    const a = [1, 2, 3, 4];
    const codes = new Float32Array(a.flatMap((v, i) => [0.6 * v, 0.8 * v, 5 - a[i], 0]));
    const pca = fitUnitPca(codes, 4, 2, 2);
    expect(Array.from(pca.dirs).map((v) => Number(v.toFixed(5)))).toEqual([0.6, 0.8, 1, 0]);
    const proj = projectUnits(codes, 4, 2, 2, pca);
    expect(Array.from(proj).map((v) => Number(v.toFixed(4)))).toEqual([-1.5, 1.5, -0.5, 0.5, 0.5, -0.5, 1.5, -1.5]);
  });

  it('exp of a skew-symmetric matrix is orthogonal; exp([[0,−θ],[θ,0]]) is the rotation by θ', () => {
    const r = matrixExp(tf.tensor2d([[0, -0.7], [0.7, 0]])).dataSync();
    [Math.cos(0.7), -Math.sin(0.7), Math.sin(0.7), Math.cos(0.7)].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 5));
    const w = tf.tensor2d(new Rng(4).fillNormal(new Float32Array(25)), [5, 5]);
    const rows = orthogonalRows(w, 3);
    const gram = tf.matMul(rows, rows, false, true).dataSync();
    [1, 0, 0, 0, 1, 0, 0, 0, 1].forEach((v, i) => expect(gram[i]).toBeCloseTo(v, 4));
  });
});

function tinyDisDiff(shift: 'copy' | 'disdiff' = 'copy'): DisDiff {
  const rng = new Rng(7);
  const fs = new VQModel({ ddconfig: { double_z: false, z_channels: 3, resolution: 16, in_channels: 3, out_ch: 3, ch: 8, ch_mult: [1, 2, 2], num_res_blocks: 1, attn_resolutions: [], norm_groups: 4, attn_heads: 1 }, embed_dim: 3, n_embed: 16, ema: false, ema_decay: 0.99, codebook_init: 'uniform', restart_dead: false, dead_threshold: 0.1 }, rng);
  const unet = new UNet({ image_size: 4, in_channels: 3, out_channels: 3, model_channels: 8, channel_mult: [1, 2], num_res_blocks: 1, attention_resolutions: [2], num_heads: 2, use_scale_shift_norm: true, norm_groups: 4 }, rng);
  const w = unet.namedVariables().get('decoder.conv_out.weight')!;
  w.assign(tf.tensor(new Rng(8).fillNormal(new Float32Array(w.size), 0, 0.1), w.shape));
  const ldm = new LatentDiffusion({ beta_schedule: 'linear', timesteps: 100, linear_start: 0.0015, linear_end: 0.0155, cosine_s: 0.008, first_stage: null, first_stage_ckpt: null, unet: null, sampler: null, scale_by_std: true, scale_factor: 1, log_samples: 2 }, fs, unet, new DDIMSampler(2, 0));
  return new DisDiff({ ldm: null, ldm_ckpt: null, load_ema: true, latent_unit: 3, repre_emb_channels: 4, encoder_width: 8, image_size: 16, in_channels: 3, orth_emb: true, shift_decoder: shift, dis_loss: true, swap_ddim_steps: 2, swap_rows: 2 }, ldm, rng);
}

describe('DisDiff model (tiny)', () => {
  let x: tf.Tensor;
  beforeAll(() => {
    x = tf.tensor(new Rng(1).fillUniform(new Float32Array(2 * 16 * 16 * 3)), [2, 16, 16, 3]);
  });

  it('trains only the encoder, shift decoder and unit embeddings; the frozen LDM gets no update', () => {
    const m = tinyDisDiff();
    const names = [...m.namedTrainableVariables().keys()];
    expect(names.some((n) => n.startsWith('ldm.'))).toBe(false);
    expect(names.some((n) => n.startsWith('encoder_copy.'))).toBe(false);
    expect(names).toContain('unit_emb');
    expect(names.some((n) => n.startsWith('shift.'))).toBe(true);
    // the shift decoder starts as a copy of the trained decoder half, with a zero head (g_k = 0, ε̃ = ε̂)
    const vars0 = m.namedVariables();
    expect(Array.from(vars0.get('shift.middle_res1.conv1.weight')!.dataSync())).toEqual(Array.from(vars0.get('ldm.unet.decoder.middle_res1.conv1.weight')!.dataSync()));
    expect(tf.max(tf.abs(vars0.get('shift.conv_out.weight')!)).dataSync()[0]).toBe(0);
    expect(tf.max(tf.abs(vars0.get('ldm.unet.decoder.conv_out.weight')!)).dataSync()[0]).toBeGreaterThan(0);
    const loss = new DisDiffLoss({ loss_type: 'l1', l_simple_weight: 1, dis_weight: 0.05, dis_loss_type: 'Z' });
    const vars = m.trainableVariables();
    let terms: Record<string, number> = {};
    const { grads } = tf.variableGrads(() => {
      const out = m.forward({ x }, ctx(0));
      expect(out.ce_own.shape).toEqual([2]);
      const r = loss.compute({ x }, out, ctx(0));
      terms = Object.fromEntries(Object.entries(r.terms).map(([k, v]) => [k, v.dataSync()[0]]));
      return r.total;
    }, vars);
    expect(Object.keys(terms).sort()).toEqual(['ce_change', 'ce_own', 'dis_w', 'loss_dis', 'loss_simple', 'loss_simple_frozen', 'simple_gain']);
    // With the zero head ε̃ = ε̂: the units gain nothing on the frozen LDM yet.
    expect(terms.simple_gain).toBe(0);
    expect(terms.loss_simple).toBe(terms.loss_simple_frozen);
    // With 3 units, the cross-entropies start near log 3 (nothing learned yet).
    expect(terms.ce_change).toBeGreaterThan(0);
    const norm = (prefix: string) => vars.filter((v) => [...m.namedTrainableVariables()].find(([, w]) => w === v)![0].startsWith(prefix))
      .reduce((s, v) => s + tf.sum(tf.abs(grads[v.name])).dataSync()[0], 0);
    expect(norm('shift.conv_out.')).toBeGreaterThan(0);
    // With the zero head the encoder gets no gradient at step 0 (as with openaimodel's zero_module);
    // after one update of the head it does.
    expect(norm('encoder.')).toBe(0);
    vars.forEach((v) => v.assign(tf.sub(v, tf.mul(0.1, grads[v.name]))));
    const again = tf.variableGrads(() => loss.compute({ x }, m.forward({ x }, ctx(1)), ctx(1)).total, vars).grads;
    const encNorm = vars.filter((v) => [...m.namedTrainableVariables()].find(([, w]) => w === v)![0].startsWith('encoder.'))
      .reduce((s, v) => s + tf.sum(tf.abs(again[v.name])).dataSync()[0], 0);
    expect(encNorm).toBeGreaterThan(0);
  });

  it('represent gives one number per unit; the swap grid has rows × (source, recon, N swaps)', () => {
    const m = tinyDisDiff();
    const codes = m.represent(x);
    expect(codes.shape).toEqual([2, 3]);
    const flat = (g: tf.Tensor5D) => tf.reshape(g, [-1, 16, 16, 3]) as tf.Tensor4D;
    const pics = m.logImages({ x }, ctx(0));
    // A 5-D grid: the image logger lays it out with exactly these rows and columns.
    expect(pics.swap.shape).toEqual([2, 5, 16, 16, 3]);
    const grid = flat(pics.swap);
    // swap_diff rows: source, reconstruction, then |swap_k − reconstruction| per unit. With the zero
    // shift head a swapped unit changes nothing: those tiles are black.
    const diffTiles = (g: tf.Tensor5D) => tf.gather(flat(g), [2, 3, 4, 7, 8, 9]);
    expect(pics.swap_diff.shape).toEqual([2, 5, 16, 16, 3]);
    expect(Array.from(tf.slice(flat(pics.swap_diff), 0, 2).dataSync())).toEqual(Array.from(tf.slice(grid, 0, 2).dataSync()));
    expect(tf.max(diffTiles(pics.swap_diff)).dataSync()[0]).toBe(0);
    // With a non-zero head the swaps differ, and the largest change is scaled to white.
    const head = m.namedVariables().get('shift.conv_out.weight')!;
    head.assign(tf.tensor(new Rng(5).fillNormal(new Float32Array(head.size), 0, 0.5), head.shape));
    expect(tf.max(diffTiles(m.logImages({ x }, ctx(0)).swap_diff)).dataSync()[0]).toBeCloseTo(1, 5);
    // column 0 is the source itself
    expect(Array.from(tf.slice(grid, 0, 1).dataSync())).toEqual(Array.from(tf.slice(x, 0, 1).dataSync()));
    const v = grid.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
  });

  it("the disentangling loss decodes without quantising (force_not_quantize): a small shift changes the decoded image", () => {
    const m = tinyDisDiff();
    const fs = m.ldm.firstStage as VQModel;
    // decode(h, false) is decoder(post_quant_conv(h)); decode(h) first snaps h to its nearest codes.
    const h = tf.tensor(new Rng(3).fillNormal(new Float32Array(2 * 4 * 4 * 3)), [2, 4, 4, 3]);
    const smooth = fs.decode(h, false);
    const byHand = fs.decoder.forward(fs.postQuantConv.forward(h));
    expect(tf.max(tf.abs(tf.sub(smooth, byHand))).dataSync()[0]).toBe(0);
    const snapped = fs.decode(fs.quantize.forward(h).zq, false);
    expect(tf.max(tf.abs(tf.sub(fs.decode(h), snapped))).dataSync()[0]).toBeLessThan(1e-6);
    // A tiny shift head: g_c ≠ 0 but far too small to move any latent to another code. The image
    // change w_im is still > 0 and ce_change passes gradient to the shift decoder.
    const head = m.namedVariables().get('shift.conv_out.weight')!;
    head.assign(tf.tensor(new Rng(9).fillNormal(new Float32Array(head.size), 0, 1e-4), head.shape));
    const headBias = m.namedVariables().get('shift.conv_out.bias')!;
    const out = m.forward({ x }, ctx(0));
    expect(Math.min(...out.w_im.dataSync())).toBeGreaterThan(0);
    const { grads } = tf.variableGrads(() => tf.sum(m.forward({ x }, ctx(0)).ce_change) as tf.Scalar, [head, headBias]);
    expect(tf.sum(tf.abs(grads[head.name])).dataSync()[0]).toBeGreaterThan(0);
  });

  it('the disentangling loss reads the decoder output unclipped, as differentiable_decode_first_stage hands it over', () => {
    // Every decoded pixel far above 1: a [0, 1] clip would make both decodings the same constant
    // image (w_im = 0, p' = p, no gradient to the shift decoder). DisDiff's encoder sees the raw output.
    const m = tinyDisDiff();
    const bias = m.namedVariables().get('ldm.first_stage.decoder.conv_out.bias')!;
    bias.assign(tf.fill(bias.shape, 50));
    const head = m.namedVariables().get('shift.conv_out.weight')!;
    head.assign(tf.tensor(new Rng(9).fillNormal(new Float32Array(head.size), 0, 1e-2), head.shape));
    const out = m.forward({ x }, ctx(0));
    expect(Math.min(...m.ldm.decodeLatentsSigned(tf.zeros([1, 4, 4, 3]), false).dataSync())).toBeGreaterThan(1);
    expect(Math.min(...out.w_im.dataSync())).toBeGreaterThan(0);
    const { grads } = tf.variableGrads(() => tf.sum(m.forward({ x }, ctx(0)).ce_change) as tf.Scalar, [head]);
    expect(tf.sum(tf.abs(grads[head.name])).dataSync()[0]).toBeGreaterThan(0);
  });

  it("shift_decoder 'disdiff' is openaimodel_shift's: fresh weights, zero block outputs, the unit as a second scale-shift", () => {
    const m = tinyDisDiff('disdiff');
    const v = m.namedVariables();
    const maxAbs = (name: string) => tf.max(tf.abs(v.get(name)!)).dataSync()[0];
    // not a copy of the trained decoder half
    expect(Array.from(v.get('shift.middle_res1.conv1.weight')!.dataSync())).not.toEqual(Array.from(v.get('ldm.unet.decoder.middle_res1.conv1.weight')!.dataSync()));
    // zero_module: every block's last conv, the attention output projection and shift_out start at 0
    const zeroed = [...v.keys()].filter((n) => n.startsWith('shift.') && /(^|\.)(conv2|proj|conv_out)\./.test(n));
    expect(zeroed.length).toBeGreaterThan(8);
    for (const n of zeroed) expect(maxAbs(n)).toBe(0);
    expect(maxAbs('shift.middle_res1.conv1.weight')).toBeGreaterThan(0);
    // the unit code feeds each block's second scale-shift (cond_proj), the identity goes through part_emb
    expect(v.get('shift.middle_res1.cond_proj.weight')!.shape).toEqual([m.ldm.unet.embDim, 2 * 16]);
    expect(v.get('part_emb.weight')!.shape).toEqual([m.ldm.unet.embDim / 2, m.ldm.unet.embDim]);
    // orth_emb: the identities are orthonormal rows of exp(A − Aᵀ), A of half the embedding width
    const ids = m.unitEmbeddings();
    expect(ids.shape).toEqual([3, m.ldm.unet.embDim / 2]);
    const gram = tf.matMul(ids, ids, false, true).dataSync();
    [1, 0, 0, 0, 1, 0, 0, 0, 1].forEach((g, i) => expect(gram[i]).toBeCloseTo(g, 4));
    // at initialisation every g_k is 0: ε̃ = ε̂ exactly
    const loss = new DisDiffLoss({ loss_type: 'l1', l_simple_weight: 1, dis_weight: 0.05, dis_loss_type: 'Z' });
    const r = loss.compute({ x }, m.forward({ x }, ctx(0)), ctx(0));
    expect(r.terms.simple_gain.dataSync()[0]).toBe(0);
    // Once the outputs are non-zero, the field depends on the code (through the second
    // scale-shift) and on the unit's identity (through part_emb), as ResBlockShift's does.
    for (const n of zeroed) v.get(n)!.assign(tf.tensor(new Rng(n.length).fillNormal(new Float32Array(v.get(n)!.size), 0, 0.3), v.get(n)!.shape));
    const emb = m.ldm.unet.embed([40, 40]);
    const state = m.ldm.unet.trunk(tf.tensor(new Rng(4).fillNormal(new Float32Array(2 * 4 * 4 * 3)), [2, 4, 4, 3]), emb);
    const codes = tf.tensor(new Rng(6).fillNormal(new Float32Array(2 * 3 * 4)), [2, 3, 4]) as tf.Tensor3D;
    const same = tf.tile(tf.slice(codes, [0, 0, 0], [-1, 1, -1]), [1, 3, 1]) as tf.Tensor3D;
    const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    const g = m.shifts(state, emb, codes);
    const gSame = m.shifts(state, emb, same);
    expect(diff(g[1], gSame[1])).toBeGreaterThan(1e-4);      // a different code, a different field
    expect(diff(gSame[0], gSame[1])).toBeGreaterThan(1e-4);  // the same code, another unit
    expect(diff(g[0], gSame[0])).toBe(0);                    // unit 0's code is unchanged
  });
});
