import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { vqLossSpec, klAutoencoderLossSpec } from './losses.ts';
import { patchDiscriminatorSpec } from './discriminator.ts';

/** The LDM autoencoders' losses and the patch discriminator of their adversarial term. */
export const specs: ComponentSpec[] = [vqLossSpec, klAutoencoderLossSpec, patchDiscriminatorSpec];
