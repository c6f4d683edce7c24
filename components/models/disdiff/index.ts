import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { vqModelSpec } from '../autoencoder/vq-model.ts';
import { autoencoderKlSpec } from '../autoencoder/kl-model.ts';
import { unetSpec } from '../diffusion/unet.ts';
import { latentDiffusionSpec } from '../diffusion/latent-diffusion.ts';
import { disDiffSpec } from './disdiff.ts';
import { vqLossSpec, klAutoencoderLossSpec } from '../../losses/autoencoder/losses.ts';
import { patchDiscriminatorSpec } from '../../losses/autoencoder/discriminator.ts';
import { diffusionLossSpec } from '../../losses/diffusion.ts';
import { disDiffLossSpec } from '../../losses/disdiff.ts';
import { specs as samplerSpecs } from '../../samplers/index.ts';

/** Every component of the DisDiff pipeline (autoencoders, UNet, LDM, DisDiff, their losses, samplers). */
export const specs: ComponentSpec[] = [
  vqModelSpec, autoencoderKlSpec, unetSpec, latentDiffusionSpec, disDiffSpec, patchDiscriminatorSpec,
  vqLossSpec, klAutoencoderLossSpec, diffusionLossSpec, disDiffLossSpec,
  ...samplerSpecs,
];
