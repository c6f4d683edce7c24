import type { ComponentSpec } from '../../framework/registry/types.ts';
import { betaVaeLossSpec } from './beta-vae.ts';
import { betaTcVaeLossSpec } from './beta-tcvae.ts';
import { edmLossSpec } from './edm.ts';

export const specs: ComponentSpec[] = [betaVaeLossSpec, betaTcVaeLossSpec, edmLossSpec];
