import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { csaeSpec } from './csae.ts';
import { v3LossSpec } from '../../losses/v3/v3-loss.ts';

/** V3's components: the content-style autoencoder and its loss. */
export const specs: ComponentSpec[] = [csaeSpec, v3LossSpec] as unknown as ComponentSpec[];
