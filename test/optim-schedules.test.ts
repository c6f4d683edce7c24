import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { Constant, ExponentialDecay, LambdaLinear, WarmupCosine, specs } from '../components/optim/index.ts';
import type { BuildContext, ComponentSpec } from '../framework/registry/types.ts';
import type { Optimizer, Schedule } from '../framework/contracts/index.ts';
import { UntangleError } from '../framework/util/errors.ts';

/** Schedule values against hand-computed ones; component specs against PyTorch/LDM defaults. */

describe('LambdaLinear (LDM LambdaLinearScheduler)', () => {
  it('LDM\'s latent-diffusion config: warm-up 1e-6 → 1 over 10 000 steps, then flat', () => {
    const s = new LambdaLinear({ warmUpSteps: [10000], fStart: [1e-6], fMax: [1], fMin: [1], cycleLengths: [1e13] });
    expect(s.factor(0)).toBe(1e-6);
    expect(s.factor(1)).toBeCloseTo(1e-6 + (1 - 1e-6) / 10000, 15);
    expect(s.factor(5000)).toBeCloseTo(0.5000005, 12);
    expect(s.factor(9999)).toBeCloseTo(1e-6 + (1 - 1e-6) * 0.9999, 12);
    expect(s.factor(10000)).toBe(1);
    expect(s.factor(1_000_000)).toBe(1);
  });

  it('two cycles, with the boundary step in the earlier cycle (LDM: n <= cum_cycle)', () => {
    const s = new LambdaLinear({ warmUpSteps: [2, 3], fStart: [0, 0.5], fMax: [1, 1], fMin: [0.5, 0.1], cycleLengths: [10, 20] });
    const want: readonly [number, number][] = [
      [0, 0], [1, 0.5], // warm-up (1 − 0)/2·n
      [2, 0.5 + 0.5 * (8 / 10)], [5, 0.5 + 0.5 * (5 / 10)],
      [10, 0.5], // cycle 0's end: n = 10 = L
      [11, 0.5 + (0.5 / 3) * 1], [12, 0.5 + (0.5 / 3) * 2],
      [13, 0.1 + 0.9 * (17 / 20)], // n = 3 = warm_up: decay branch
      [14, 0.1 + 0.9 * (16 / 20)], [30, 0.1],
      [31, 0.1], // past the last cycle: held at f_min (LDM raises)
    ];
    for (const [step, f] of want) expect(s.factor(step), `step ${step}`).toBeCloseTo(f, 12);
  });

  it('rejects lists of different lengths', () => {
    expect(() => new LambdaLinear({ warmUpSteps: [1], fStart: [0, 1], fMax: [1], fMin: [1], cycleLengths: [5] })).toThrow(UntangleError);
  });
});

describe('WarmupCosine, ExponentialDecay, Constant', () => {
  it('WarmupCosine: linear warm-up, cosine to the floor, flat after', () => {
    const s = new WarmupCosine({ warmupSteps: 10, totalSteps: 110, floor: 0.1 });
    expect(s.factor(0)).toBe(0);
    expect(s.factor(5)).toBeCloseTo(0.5, 15);
    expect(s.factor(10)).toBeCloseTo(1, 15);
    expect(s.factor(60)).toBeCloseTo(0.1 + 0.9 * 0.5, 12); // cos(π/2) = 0
    expect(s.factor(35)).toBeCloseTo(0.1 + 0.9 * (1 + Math.SQRT1_2) / 2, 12); // p = 1/4
    expect(s.factor(110)).toBeCloseTo(0.1, 12);
    expect(s.factor(500)).toBeCloseTo(0.1, 12);
    expect(new WarmupCosine({ warmupSteps: 4, totalSteps: 8, start: 0.2 }).factor(2)).toBeCloseTo(0.6, 15);
  });

  it('ExponentialDecay: V3\'s ×0.98 every 20 epochs with floor 0.02', () => {
    const s = new ExponentialDecay({ gamma: 0.98, every: 20, floor: 0.02, stepsPerEpoch: 100 });
    expect(s.factor(0)).toBe(1);
    expect(s.factor(1999)).toBe(1); // epoch 19
    expect(s.factor(2000)).toBeCloseTo(0.98, 15); // epoch 20
    expect(s.factor(100 * 20 * 10)).toBeCloseTo(0.98 ** 10, 15);
    // 0.98^k < 0.02 from k = 194 on (ln 0.02 / ln 0.98 = 193.6)
    expect(s.factor(100 * 20 * 193)).toBeCloseTo(0.98 ** 193, 15);
    expect(s.factor(100 * 20 * 194)).toBe(0.02);
    expect(new ExponentialDecay({ gamma: 0.5, every: 3 }).factor(7)).toBe(0.25);
  });

  it('ExponentialDecay with staircase false: V3\'s continuous max(0.02, 0.98^(epoch/20))', () => {
    const s = new ExponentialDecay({ gamma: 0.98, every: 20, floor: 0.02, stepsPerEpoch: 100, staircase: false });
    expect(s.factor(0)).toBe(1);
    expect(s.factor(99)).toBe(1); // still epoch 0: the LambdaLR is stepped once per epoch
    expect(s.factor(100)).toBeCloseTo(Math.exp(Math.log(0.98) / 20), 15); // epoch 1
    expect(s.factor(1000)).toBeCloseTo(Math.sqrt(0.98), 15); // epoch 10
    // ln 0.02 / ln 0.98 · 20 = 3872.6 epochs to the floor
    expect(s.factor(100 * 3872)).toBeGreaterThan(0.02);
    expect(s.factor(100 * 3873)).toBe(0.02);
    expect(new ExponentialDecay({ gamma: 0.25, every: 2, staircase: false }).factor(1)).toBe(0.5);
  });

  it('Constant', () => {
    expect(new Constant().factor()).toBe(1);
    expect(new Constant(0.3).factor()).toBe(0.3);
  });
});

describe('optimizer and schedule component specs', () => {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  const byTarget = new Map(specs.map((s) => [s.target, s]));
  const ctx = { path: 'optimizer', seed: 0 } as unknown as BuildContext;
  const build = <T>(target: string, params: Record<string, unknown>): { params: Record<string, unknown>; built: T } => {
    const spec = byTarget.get(target) as ComponentSpec;
    const p = structuredClone(params);
    const validate = ajv.compile(spec.schema);
    expect(validate(p), JSON.stringify(validate.errors)).toBe(true);
    return { params: p, built: spec.create(p, ctx) as T };
  };

  it('registers the expected targets and kinds, each schema closed', () => {
    expect([...byTarget.keys()].sort()).toEqual([
      'untangle.optim.Adam', 'untangle.optim.AdamW', 'untangle.optim.SGD',
      'untangle.schedules.Constant', 'untangle.schedules.ExponentialDecay', 'untangle.schedules.LambdaLinear', 'untangle.schedules.WarmupCosine',
    ]);
    for (const s of specs) {
      expect(s.kind).toBe(s.target.startsWith('untangle.optim.') ? 'optimizer' : 'schedule');
      expect(s.schema.additionalProperties).toBe(false);
    }
  });

  it('fills PyTorch\'s defaults', () => {
    expect(build<Optimizer>('untangle.optim.Adam', {}).params).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 });
    expect(build<Optimizer>('untangle.optim.AdamW', { lr: 1e-4 }).params).toEqual({ lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01 });
    expect(build<Optimizer>('untangle.optim.SGD', {}).params).toEqual({ lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weight_decay: 0 });
    expect(build<Optimizer>('untangle.optim.Adam', { lr: 2e-4 }).built.lr).toBe(2e-4);
  });

  it('rejects unknown keys and wrong types', () => {
    const validate = ajv.compile(byTarget.get('untangle.optim.Adam')!.schema);
    expect(validate({ lr: 1e-3, beta1: 0.9 })).toBe(false);
    expect(validate({ lr: '1e-3' })).toBe(false);
    expect(ajv.compile(byTarget.get('untangle.schedules.LambdaLinear')!.schema)({ warm_up_steps: [1] })).toBe(false);
  });

  it('builds working schedules from config params', () => {
    const ll = build<Schedule>('untangle.schedules.LambdaLinear', {
      warm_up_steps: [10000], cycle_lengths: [10000000000000], f_start: [1e-6], f_max: [1.0], f_min: [1.0],
    }).built;
    expect(ll.factor(5000)).toBeCloseTo(0.5000005, 12);
    const ed = build<Schedule>('untangle.schedules.ExponentialDecay', { steps_per_epoch: 10 });
    expect(ed.params).toEqual({ gamma: 0.98, every: 20, floor: 0.02, staircase: true, steps_per_epoch: 10 });
    expect(ed.built.factor(200)).toBeCloseTo(0.98, 15);
    expect(build<Schedule>('untangle.schedules.WarmupCosine', { total_steps: 100 }).built.factor(50)).toBeCloseTo(0.5, 12);
    expect(build<Schedule>('untangle.schedules.Constant', {}).built.factor(3)).toBe(1);
  });
});
