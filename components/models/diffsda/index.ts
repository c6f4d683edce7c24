import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { diffSdaSpec } from './diffsda.ts';

export const specs: ComponentSpec[] = [diffSdaSpec];
