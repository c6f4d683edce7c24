import { defineComponent, type ComponentSpec } from '../../framework/registry/types.ts';
import type { Schedule } from '../../framework/contracts/index.ts';
import { Constant, ExponentialDecay, LambdaLinear, WarmupCosine } from './schedules.ts';

/** Config specs of the learning-rate schedules (multipliers on the optimiser's base lr). */

const numberList = (description: string) => ({ type: 'array', items: { type: 'number' }, minItems: 1, description });

type ConstantParams = { value: number };

export const constantSpec: ComponentSpec<ConstantParams, Schedule> = defineComponent<ConstantParams, Schedule>({
  target: 'untangle.schedules.Constant',
  kind: 'schedule',
  description: 'constant learning rate (factor `value`, default 1)',
  schema: {
    type: 'object', additionalProperties: false,
    properties: { value: { type: 'number', minimum: 0, default: 1 } },
  },
  create: (p) => new Constant(p.value),
});

type LambdaLinearParams = {
  warm_up_steps: number[];
  f_start: number[];
  f_max: number[];
  f_min: number[];
  cycle_lengths: number[];
};

export const lambdaLinearSpec: ComponentSpec<LambdaLinearParams, Schedule> = defineComponent<LambdaLinearParams, Schedule>({
  target: 'untangle.schedules.LambdaLinear',
  kind: 'schedule',
  description: "LDM's LambdaLinearScheduler: per-cycle linear warm-up then linear decay",
  schema: {
    type: 'object', additionalProperties: false,
    required: ['warm_up_steps', 'f_start', 'f_max', 'f_min', 'cycle_lengths'],
    properties: {
      warm_up_steps: numberList('warm-up length of each cycle'),
      f_start: numberList('factor at the start of each warm-up'),
      f_max: numberList('factor at the end of each warm-up'),
      f_min: numberList('factor at the end of each cycle'),
      cycle_lengths: numberList('length of each cycle in steps (LDM configs use [10000000000000])'),
    },
  },
  create: (p) => new LambdaLinear({
    warmUpSteps: p.warm_up_steps, fStart: p.f_start, fMax: p.f_max, fMin: p.f_min, cycleLengths: p.cycle_lengths,
  }),
});

type WarmupCosineParams = { warmup_steps: number; total_steps: number; floor: number; start: number };

export const warmupCosineSpec: ComponentSpec<WarmupCosineParams, Schedule> = defineComponent<WarmupCosineParams, Schedule>({
  target: 'untangle.schedules.WarmupCosine',
  kind: 'schedule',
  description: 'linear warm-up to 1, then cosine decay to a floor at total_steps',
  schema: {
    type: 'object', additionalProperties: false,
    required: ['total_steps'],
    properties: {
      warmup_steps: { type: 'integer', minimum: 0, default: 0 },
      total_steps: { type: 'integer', minimum: 1, description: 'step at which the floor is reached' },
      floor: { type: 'number', minimum: 0, default: 0, description: 'final factor' },
      start: { type: 'number', minimum: 0, default: 0, description: 'factor at step 0 of the warm-up' },
    },
  },
  create: (p) => new WarmupCosine({ warmupSteps: p.warmup_steps, totalSteps: p.total_steps, floor: p.floor, start: p.start }),
});

type ExponentialDecayParams = { gamma: number; every: number; floor: number; steps_per_epoch?: number; staircase: boolean };

export const exponentialDecaySpec: ComponentSpec<ExponentialDecayParams, Schedule> = defineComponent<ExponentialDecayParams, Schedule>({
  target: 'untangle.schedules.ExponentialDecay',
  kind: 'schedule',
  description: 'multiply by gamma every k steps (or epochs), stepwise or continuously, never below a floor (V3 reference: 0.98^(epoch/20), floor 0.02)',
  schema: {
    type: 'object', additionalProperties: false,
    properties: {
      gamma: { type: 'number', exclusiveMinimum: 0, default: 0.98 },
      every: { type: 'integer', minimum: 1, default: 20, description: 'units (steps, or epochs with steps_per_epoch) per decay' },
      floor: { type: 'number', minimum: 0, default: 0.02 },
      steps_per_epoch: { type: 'integer', minimum: 1, description: 'when set, `every` counts epochs of this many steps' },
      staircase: { type: 'boolean', default: true, description: 'gamma^⌊u/every⌋ (true) or the continuous gamma^(u/every) (false; V3)' },
    },
  },
  create: (p) => new ExponentialDecay({ gamma: p.gamma, every: p.every, floor: p.floor, stepsPerEpoch: p.steps_per_epoch, staircase: p.staircase }),
});
