import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { sequentialElboSpec } from './sequential-elbo.ts';
import { miPenaltySpec } from './mi-penalty.ts';
import { staticConsistencySpec } from './static-consistency.ts';
import { fhvaeLossSpec } from './fhvae-loss.ts';
import { crossEntropySpec } from './cross-entropy.ts';
import { cycleConsistencySpec } from './cycle-consistency.ts';

export const specs: ComponentSpec[] = [sequentialElboSpec, miPenaltySpec, staticConsistencySpec, fhvaeLossSpec, crossEntropySpec, cycleConsistencySpec];
