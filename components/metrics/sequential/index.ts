import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { swapAccuracySpec } from './swap-accuracy.ts';
import { speakerEerSpec } from './speaker-eer.ts';
import { judgeAccuracySpec } from './judge-accuracy.ts';
import { tsProbeSpec } from './ts-probe.ts';
import { mortalityPredictionSpec } from './mortality-prediction.ts';
import { otPredictionSpec } from './ot-prediction.ts';
import { analyticSwapSpec } from './analytic-swap.ts';
import { seriesPicturesSpec } from './series-pictures.ts';
import { generatedSeriesSpec } from './generated-series.ts';
import { faceSwapHookSpec } from './face-swap-hook.ts';

export const specs: ComponentSpec[] = [swapAccuracySpec, speakerEerSpec, judgeAccuracySpec, tsProbeSpec,
  mortalityPredictionSpec, otPredictionSpec, analyticSwapSpec, seriesPicturesSpec, generatedSeriesSpec, faceSwapHookSpec];
