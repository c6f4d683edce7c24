import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { vqModelSpec } from './vq-model.ts';
import { autoencoderKlSpec } from './kl-model.ts';

/** LDM's first-stage autoencoders (VQ and KL). */
export const specs: ComponentSpec[] = [vqModelSpec, autoencoderKlSpec];
