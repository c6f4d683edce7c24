import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { v3LossSpec } from './v3-loss.ts';

export const specs: ComponentSpec[] = [v3LossSpec] as unknown as ComponentSpec[];
