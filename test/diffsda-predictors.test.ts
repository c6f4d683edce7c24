import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { MortalityPrediction, type MortalityPredictionParams } from '../components/metrics/sequential/mortality-prediction.ts';
import { blockMae, OTPrediction, type OtPredictionParams } from '../components/metrics/sequential/ot-prediction.ts';
import { Rng } from '../framework/util/rng.ts';
import { createRegistry } from '../registry.ts';
import { ArrayDataset, ChannelCodes, metricContext } from './helpers/code-model.ts';

tf.setBackend('cpu');

const N = 160, T = 12;

/**
 * Stays of length 6..12. Channel 0 carries the outcome (±1) only at the stay's last valid step
 * (and the opposite sign in the padding step T − 1), so a reader of the first quarter sees zeros.
 * Channel 1 is noise.
 */
function stays(): ArrayDataset {
  const rng = new Rng(5);
  const x = new Float32Array(N * T * 2), y = new Float32Array(N), len = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    y[i] = i % 2;
    len[i] = 6 + rng.int(7);
    const sign = 2 * y[i] - 1;
    for (let t = 0; t < T; t++) x[(i * T + t) * 2 + 1] = rng.normal();
    x[(i * T + len[i] - 1) * 2] = sign;
    if (len[i] < T) x[(i * T + T - 1) * 2] = -sign;
  }
  return new ArrayDataset(N, { x: { data: x, shape: [T, 2] }, mortality: { data: y, shape: [1] }, length: { data: len, shape: [] } });
}

const mortality = (over: Partial<MortalityPredictionParams> = {}): MortalityPredictionParams => ({
  n_samples: 1000, repeats: 2, test_fraction: 0.3, label_key: 'mortality', length_key: 'length',
  hidden: 8, train_steps: 50, batch_size: 32, lr: 2e-2, ...over,
});

describe('MortalityPrediction', () => {
  // The outcome sits at step len − 1 ≥ 5, past the first quarter (≤ 3 steps) the upstream read (bug 5).
  it('reads the state at each stay\'s last valid step: AUROC and AUPRC ≈ 1 where the outcome is only there', async () => {
    const s = await new MortalityPrediction(mortality()).evaluate(metricContext(new ChannelCodes([1], [0]), stays()));
    expect(s.auroc).toBeGreaterThan(0.97);
    expect(s.auprc).toBeGreaterThan(0.95);
    expect(s.positive_rate).toBeGreaterThan(0.3);
    expect(s.positive_rate).toBeLessThan(0.7);
  });

  it('noise codes score about 0.5 AUROC and about the positive rate in AUPRC', async () => {
    const s = await new MortalityPrediction(mortality({ repeats: 2, test_fraction: 0.5 })).evaluate(metricContext(new ChannelCodes([1], [1]), stays()));
    expect(Math.abs(s.auroc - 0.5)).toBeLessThan(0.15);
    expect(Math.abs(s.auprc - s.positive_rate)).toBeLessThan(0.2);
  });
});

describe('OTPrediction', () => {
  it('block MAE by hand: blocks of 3 over 4 steps', () => {
    expect(blockMae([1, 2, 3, 4], [0, 0, 0, 0], 1, 4, 3)).toBe(3);
    expect(blockMae([1, 1, 5, 5], [1, 1, 1, 1], 1, 4, 2)).toBe(2);
  });

  const params = (over: Partial<OtPredictionParams> = {}): OtPredictionParams => ({
    n_samples: 1000, repeats: 2, test_fraction: 0.3, target_key: 'target', column: 0, block: 4,
    hidden: 16, train_steps: 300, batch_size: 16, lr: 1e-2, ...over,
  });
  /** target_t = 2·c_t + 0.5 with c_t the code channel 0; channel 1 noise. */
  function loads(): ArrayDataset {
    const rng = new Rng(9);
    const x = new Float32Array(N * T * 2), target = new Float32Array(N * T);
    for (let i = 0; i < N * T; i++) {
      x[i * 2] = rng.normal();
      x[i * 2 + 1] = rng.normal();
      target[i] = 2 * x[i * 2] + 0.5;
    }
    return new ArrayDataset(N, { x: { data: x, shape: [T, 2] }, target: { data: target, shape: [T, 1] } });
  }

  it('a code that determines the target gives a small MAE; noise codes stay at the mean baseline', async () => {
    const good = await new OTPrediction(params()).evaluate(metricContext(new ChannelCodes([1], [0]), loads()));
    // Block means of 4 i.i.d. 2·N(0,1): the mean-baseline MAE is about E|N(0,1)| = 0.80.
    expect(good.mae_mean_baseline).toBeGreaterThan(0.6);
    expect(good.mae_mean_baseline).toBeLessThan(1.0);
    expect(good.mae).toBeLessThan(0.2 * good.mae_mean_baseline);
    const noise = await new OTPrediction(params()).evaluate(metricContext(new ChannelCodes([1], [1]), loads()));
    expect(noise.mae).toBeGreaterThan(0.85 * noise.mae_mean_baseline);
  });

  it('registers both predictors', () => {
    const reg = createRegistry();
    expect(reg.get('untangle.metrics.MortalityPrediction')?.kind).toBe('metric');
    expect(reg.get('untangle.metrics.OTPrediction')?.kind).toBe('metric');
  });
});
