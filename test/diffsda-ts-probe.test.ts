import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { TSProbe, tsProbeSpec, type TsProbeParams } from '../components/metrics/sequential/ts-probe.ts';
import { Rng } from '../framework/util/rng.ts';
import { createRegistry } from '../registry.ts';
import { ArrayDataset, ChannelCodes, metricContext } from './helpers/code-model.ts';

tf.setBackend('cpu');

const N = 240, T = 12;
/**
 * x channels: 0 = static class (4 balanced classes), 1 = per-step regime (3 classes, i.i.d. per
 * step), 2 and 3 = standard normal noise. Labels: static [N, 1], dynamic [N, T].
 */
function labelledSeries(seed = 3): ArrayDataset {
  const rng = new Rng(seed);
  const x = new Float32Array(N * T * 4), stat = new Int32Array(N), dyn = new Int32Array(N * T);
  for (let i = 0; i < N; i++) {
    stat[i] = i % 4;
    for (let t = 0; t < T; t++) {
      const r = rng.int(3);
      dyn[i * T + t] = r;
      x.set([stat[i], r, rng.normal(), rng.normal()], (i * T + t) * 4);
    }
  }
  return new ArrayDataset(N, { x: { data: x, shape: [T, 4] }, static: { data: stat, shape: [1] }, dynamic: { data: dyn, shape: [T] } });
}

const params = (over: Partial<TsProbeParams> = {}): TsProbeParams => ({
  n_samples: 1000, repeats: 3, test_fraction: 0.3, static_key: 'static', local_key: 'dynamic',
  static_names: ['cls'], local_names: ['regime'], max_step_rows: 5000, C: 1, ...over,
});

describe('TSProbe', () => {
  it('codes that carry a label perfectly score 1.0; the contrast codes stay near chance', async () => {
    // s = (class, noise); d_t = regime_t.
    const scores = await new TSProbe(params()).evaluate(metricContext(new ChannelCodes([0, 2], [1]), labelledSeries()));
    expect(scores['acc_s/cls']).toBe(1);
    expect(scores['acc_dt/regime']).toBe(1);
    // Balanced classes: chance is about 1/4 for the class, about 1/3 for the regime.
    expect(scores['chance/cls']).toBeGreaterThan(0.15);
    expect(scores['chance/cls']).toBeLessThan(0.36);
    expect(scores['chance/regime']).toBeGreaterThan(0.3);
    expect(scores['chance/regime']).toBeLessThan(0.4);
    // The time-mean of i.i.d. regimes says nothing about the class; s says nothing about the regime.
    expect(Math.abs(scores['acc_dmean/cls'] - 0.25)).toBeLessThan(0.13);
    expect(Math.abs(scores['acc_s/regime'] - 1 / 3)).toBeLessThan(0.06);
    expect(scores.sequences).toBe(N);
    expect(scores.repeats).toBe(3);
  });

  it('noise codes score about chance everywhere', async () => {
    const scores = await new TSProbe(params()).evaluate(metricContext(new ChannelCodes([2, 3], [3]), labelledSeries()));
    expect(Math.abs(scores['acc_s/cls'] - 0.25)).toBeLessThan(0.13);
    expect(Math.abs(scores['acc_dmean/cls'] - 0.25)).toBeLessThan(0.13);
    expect(Math.abs(scores['acc_dt/regime'] - 1 / 3)).toBeLessThan(0.06);
  });

  it('is a function of the seed: same seed, same splits and score; another seed, other splits', async () => {
    const ds = labelledSeries();
    const model = new ChannelCodes([2, 3], [3]);
    const p = params({ local_key: null });
    const first = await new TSProbe(p).evaluate(metricContext(model, ds, 7));
    expect((await new TSProbe(p).evaluate(metricContext(model, ds, 7)))['acc_s/cls']).toBe(first['acc_s/cls']);
    expect((await new TSProbe(p).evaluate(metricContext(model, ds, 8)))['acc_s/cls']).not.toBe(first['acc_s/cls']);
  });

  it('ignores negative (unlabelled) entries and names unnamed labels by key and column', async () => {
    const ds = labelledSeries();
    const dyn = ds.arrays.dynamic.data;
    for (let i = 0; i < dyn.length; i += 2) dyn[i] = -1;
    // NaN (padding in a float label block) is unlabelled too, not class 0.
    const asFloat = Float32Array.from(dyn, (v, i) => (i % 4 === 0 ? NaN : v));
    ds.arrays.dynamic = { data: asFloat, shape: [T] };
    const scores = await new TSProbe(params({ static_names: null, local_names: null }))
      .evaluate(metricContext(new ChannelCodes([0], [1]), ds));
    expect(scores['acc_dt/dynamic_0']).toBe(1);
    expect(scores['acc_s/static_0']).toBe(1);
  });

  it('rejects a missing label key and a step mismatch with context', async () => {
    const ds = labelledSeries();
    await expect(new TSProbe(params({ static_key: 'speaker' })).evaluate(metricContext(new ChannelCodes([0], [1]), ds)))
      .rejects.toThrow(/no batch key 'speaker'/);
    const short = new ArrayDataset(N, { ...ds.arrays, dynamic: { data: ds.arrays.dynamic.data.subarray(0, N * 6), shape: [6] } });
    await expect(new TSProbe(params()).evaluate(metricContext(new ChannelCodes([0], [1]), short))).rejects.toThrow(/6 steps/);
  });

  it('is registered with schema defaults', () => {
    const spec = createRegistry().get('untangle.metrics.TSProbe');
    expect(spec).toBe(tsProbeSpec);
    expect(spec?.kind).toBe('metric');
  });
});
