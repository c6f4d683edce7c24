import type { ComponentSpec } from '../../framework/registry/types.ts';
import { ddimSamplerSpec, ddpmSamplerSpec } from './samplers.ts';

export const specs: ComponentSpec[] = [ddpmSamplerSpec, ddimSamplerSpec];
