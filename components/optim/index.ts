import type { ComponentSpec } from '../../framework/registry/types.ts';
import { adamSpec, adamWSpec, sgdSpec } from './specs_optimizers.ts';

export { SlotOptimizer } from './slot_optimizer.ts';
export { Adam, AdamW, type AdamOptions } from './adam.ts';
export { SGD, type SgdOptions } from './sgd.ts';

/** Every optimiser and schedule component, for the registry. */
export const specs: ComponentSpec[] = [adamSpec, adamWSpec, sgdSpec];
