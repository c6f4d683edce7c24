import type { ComponentSpec } from '../../framework/registry/types.ts';
import { betaVaeLossSpec } from './beta-vae.ts';
import { betaTcVaeLossSpec } from './beta-tcvae.ts';
import { edmLossSpec } from './edm.ts';
import { diffusionLossSpec } from './diffusion.ts';
import { disDiffLossSpec } from './disdiff.ts';
import { specs as autoencoder } from './autoencoder/index.ts';
import { specs as sequential } from './sequential/index.ts';
import { specs as v3 } from './v3/index.ts';

/** Every loss spec under components/losses/, sub-folders included (registry.ts registers this one list). */
export const specs: ComponentSpec[] = [
  betaVaeLossSpec, betaTcVaeLossSpec, edmLossSpec, diffusionLossSpec, disDiffLossSpec,
  ...autoencoder, ...sequential, ...v3,
];
