import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { contentStyleRetrievalSpec } from './retrieval-metric.ts';
import { contentStyleCodebookSpec } from './codebook-metric.ts';
import { zeroShotOodSpec } from './zero-shot-ood.ts';
import { contentStyleTsneSpec } from './tsne-metric.ts';
import { fewShotOodSpec } from './few-shot-ood.ts';
import { contentStyleNeighboursSpec } from './neighbours-metric.ts';

export const specs: ComponentSpec[] = [contentStyleRetrievalSpec, contentStyleCodebookSpec, zeroShotOodSpec, contentStyleTsneSpec, fewShotOodSpec, contentStyleNeighboursSpec] as unknown as ComponentSpec[];
export type { ContentStyleModel, ContentStyleCodes } from './model.ts';
export { isContentStyleModel } from './model.ts';
