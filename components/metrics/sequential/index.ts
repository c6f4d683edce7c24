import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { swapAccuracySpec } from './swap-accuracy.ts';
import { speakerEerSpec } from './speaker-eer.ts';
import { judgeAccuracySpec } from './judge-accuracy.ts';
import { tsProbeSpec } from './ts-probe.ts';

import { seriesSwapSpec } from './series-swap.ts';
export const specs: ComponentSpec[] = [swapAccuracySpec, speakerEerSpec, judgeAccuracySpec, tsProbeSpec, seriesSwapSpec];
