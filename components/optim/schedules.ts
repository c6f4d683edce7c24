import type { Schedule } from '../../framework/contracts/index.ts';
import { UntangleError } from '../../framework/util/errors.ts';

/**
 * Learning-rate schedules: `factor(step)` multiplies the optimiser's base lr at the 0-based step
 * being computed (what PyTorch's LambdaLR passes when stepped once per optimiser step).
 */

export class Constant implements Schedule {
  constructor(readonly value = 1) {}
  factor(): number {
    return this.value;
  }
}

export interface LambdaLinearOptions {
  warmUpSteps: number[];
  fStart: number[];
  fMax: number[];
  fMin: number[];
  cycleLengths: number[];
}

/**
 * LDM's `LambdaLinearScheduler` (ldm/lr_scheduler.py): cycles of given lengths; within a cycle
 * (local step n), a linear warm-up f_start → f_max over warm_up_steps, then a linear decay from
 * f_max at n = 0 towards f_min at n = cycle_length: f_min + (f_max − f_min)·(L − n)/L. A step
 * equal to a cycle's cumulative end still belongs to that cycle (LDM's `n <= cl`).
 * Past the last cycle LDM raises; here the factor stays at the last cycle's f_min.
 */
export class LambdaLinear implements Schedule {
  private readonly cumCycles: number[];

  constructor(readonly o: LambdaLinearOptions) {
    const n = o.cycleLengths.length;
    const lists = { warm_up_steps: o.warmUpSteps, f_start: o.fStart, f_max: o.fMax, f_min: o.fMin, cycle_lengths: o.cycleLengths };
    if (n === 0 || Object.values(lists).some((l) => l.length !== n)) {
      throw new UntangleError('schedule.lambda_linear.lists', 'warm_up_steps, f_start, f_max, f_min and cycle_lengths must be non-empty lists of one length',
        Object.fromEntries(Object.entries(lists).map(([k, l]) => [k, l.length])));
    }
    if (o.cycleLengths.some((l) => !(l > 0))) {
      throw new UntangleError('schedule.lambda_linear.cycle', 'cycle_lengths must be positive', { cycle_lengths: o.cycleLengths });
    }
    this.cumCycles = [0];
    for (const l of o.cycleLengths) this.cumCycles.push(this.cumCycles[this.cumCycles.length - 1] + l);
  }

  factor(step: number): number {
    const o = this.o;
    const cycle = this.cumCycles.slice(1).findIndex((cl) => step <= cl);
    if (cycle === -1) {
      return o.fMin[o.fMin.length - 1];
    }
    const n = step - this.cumCycles[cycle];
    if (n < o.warmUpSteps[cycle]) {
      return ((o.fMax[cycle] - o.fStart[cycle]) / o.warmUpSteps[cycle]) * n + o.fStart[cycle];
    }
    const len = o.cycleLengths[cycle];
    return o.fMin[cycle] + ((o.fMax[cycle] - o.fMin[cycle]) * (len - n)) / len;
  }
}

export interface WarmupCosineOptions {
  warmupSteps: number;
  /** Step at which the cosine reaches the floor (counted from step 0, warm-up included). */
  totalSteps: number;
  /** Factor at the end (and after). */
  floor?: number;
  /** Factor at step 0 of the warm-up. */
  start?: number;
}

/**
 * Linear warm-up from `start` to 1 over `warmupSteps`, then half a cosine from 1 down to `floor`
 * at `totalSteps`, constant afterwards: f = floor + (1 − floor)·(1 + cos(π·p))/2 with
 * p = (step − warmup)/(total − warmup).
 */
export class WarmupCosine implements Schedule {
  readonly floor: number;
  readonly start: number;

  constructor(readonly o: WarmupCosineOptions) {
    this.floor = o.floor ?? 0;
    this.start = o.start ?? 0;
    if (!(o.totalSteps > o.warmupSteps) || o.warmupSteps < 0) {
      throw new UntangleError('schedule.warmup_cosine.steps', 'need 0 ≤ warmup_steps < total_steps',
        { warmup_steps: o.warmupSteps, total_steps: o.totalSteps });
    }
  }

  factor(step: number): number {
    const { warmupSteps: w, totalSteps: t } = this.o;
    if (step < w) return this.start + ((1 - this.start) * step) / w;
    const p = Math.min(1, (step - w) / (t - w));
    return this.floor + ((1 - this.floor) * (1 + Math.cos(Math.PI * p))) / 2;
  }
}

export interface ExponentialDecayOptions {
  gamma: number;
  /** Decay once every `every` units (steps, or epochs when `stepsPerEpoch` is given). */
  every: number;
  floor?: number;
  stepsPerEpoch?: number;
  /**
   * true (default): the exponent is ⌊u/every⌋, a step function. false: u/every, so the factor
   * decays at every unit (V3's LambdaLR `max(0.02, 0.98 ** (epoch / 20))`, stepped per epoch).
   */
  staircase?: boolean;
}

/**
 * f = max(floor, gamma^⌊u/every⌋) with u the step, or the epoch ⌊step/stepsPerEpoch⌋; with
 * `staircase: false`, f = max(floor, gamma^(u/every)) (the V3 reference's per-epoch
 * `exponential_decay`: 0.98^(epoch/20), floor 0.02, continuous in the epoch).
 */
export class ExponentialDecay implements Schedule {
  readonly floor: number;

  constructor(readonly o: ExponentialDecayOptions) {
    this.floor = o.floor ?? 0;
    if (!(o.gamma > 0) || !(o.every >= 1) || (o.stepsPerEpoch !== undefined && !(o.stepsPerEpoch >= 1))) {
      throw new UntangleError('schedule.exponential_decay.params', 'need gamma > 0, every ≥ 1 and steps_per_epoch ≥ 1',
        { gamma: o.gamma, every: o.every, steps_per_epoch: o.stepsPerEpoch });
    }
  }

  factor(step: number): number {
    const unit = this.o.stepsPerEpoch === undefined ? step : Math.floor(step / this.o.stepsPerEpoch);
    const exponent = this.o.staircase === false ? unit / this.o.every : Math.floor(unit / this.o.every);
    return Math.max(this.floor, this.o.gamma ** exponent);
  }
}
