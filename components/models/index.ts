import type { ComponentSpec } from '../../framework/registry/types.ts';
import { betaVaeSpec } from './beta-vae.ts';

export const specs: ComponentSpec[] = [betaVaeSpec];
