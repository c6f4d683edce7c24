import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { unetSpec } from './unet.ts';
import { latentDiffusionSpec } from './latent-diffusion.ts';

/** The diffusion UNet and the latent diffusion model around it. */
export const specs: ComponentSpec[] = [unetSpec, latentDiffusionSpec];
