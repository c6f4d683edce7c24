import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { disDiffSpec } from './disdiff.ts';

/** DisDiff's model (its autoencoders, UNet and LDM are in ../autoencoder and ../diffusion; its losses in losses/, samplers in samplers/). */
export const specs: ComponentSpec[] = [disDiffSpec];
