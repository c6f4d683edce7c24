import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { diffSdaSpec } from './diffsda.ts';
import { diffSdaPriorSpec } from './latent-prior.ts';

export const specs: ComponentSpec[] = [diffSdaSpec, diffSdaPriorSpec];
