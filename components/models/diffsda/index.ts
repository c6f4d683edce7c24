import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { diffSdaSpec } from './diffsda.ts';
import { frameEncoderSpec } from './frame-encoder.ts';
import { condUNetSpec } from './cond-unet.ts';
import { diffSdaPriorSpec } from './latent-prior.ts';

export const specs: ComponentSpec[] = [diffSdaSpec, frameEncoderSpec, condUNetSpec, diffSdaPriorSpec];
