import type { ComponentSpec } from '../../framework/registry/types.ts';
import { imageLoggerSpec } from './image-logger.ts';

export const specs: ComponentSpec[] = [imageLoggerSpec];
