import type { ComponentSpec } from '../../framework/registry/types.ts';
import { betaVaeSpec } from './beta-vae.ts';
import { specs as autoencoder } from './autoencoder/index.ts';
import { specs as diffusion } from './diffusion/index.ts';
import { specs as disdiff } from './disdiff/index.ts';
import { specs as sequential } from './sequential/index.ts';
import { specs as v3 } from './v3/index.ts';
import { specs as diffsda } from './diffsda/index.ts';

/** Every model spec under components/models/, sub-folders included (registry.ts registers this one list). */
export const specs: ComponentSpec[] = [betaVaeSpec, ...autoencoder, ...diffusion, ...disdiff, ...sequential, ...v3, ...diffsda];
