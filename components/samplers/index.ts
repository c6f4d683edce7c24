import type { ComponentSpec } from '../../framework/registry/types.ts';
import { ddimSamplerSpec, ddpmSamplerSpec } from './samplers.ts';
import { edmHeunSpec } from './edm-heun.ts';

export const specs: ComponentSpec[] = [ddpmSamplerSpec, ddimSamplerSpec, edmHeunSpec];
