import type { ComponentSpec } from '../../framework/registry/types.ts';
import { adamSpec, adamWSpec, sgdSpec } from './specs-optimizers.ts';
import { constantSpec, exponentialDecaySpec, lambdaLinearSpec, warmupCosineSpec } from './specs-schedules.ts';

export { SlotOptimizer } from './slot-optimizer.ts';
export { Adam, AdamW, type AdamOptions } from './adam.ts';
export { SGD, type SgdOptions } from './sgd.ts';
export { clipGradNorm, type ClippedGrads } from '../../framework/trainer/clip.ts';
export { Ema, type EmaOptions } from '../../framework/trainer/ema.ts';
export {
  Constant, ExponentialDecay, LambdaLinear, WarmupCosine,
  type ExponentialDecayOptions, type LambdaLinearOptions, type WarmupCosineOptions,
} from './schedules.ts';

/** Every optimiser and schedule component, for the registry. */
export const specs: ComponentSpec[] = [
  adamSpec, adamWSpec, sgdSpec,
  constantSpec, lambdaLinearSpec, warmupCosineSpec, exponentialDecaySpec,
];
