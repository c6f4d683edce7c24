import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { csaeSpec } from './csae.ts';

/** V3's content-style autoencoder (its loss is in losses/v3, its data in datasets/v3). */
export const specs: ComponentSpec[] = [csaeSpec] as unknown as ComponentSpec[];
