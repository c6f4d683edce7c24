import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { spritesSpec } from './sprites.ts';
import { movingDigitsSpec } from './moving-digits.ts';
import { audioSynthSpec } from './audio/audio-synth.ts';
import { wavFolderSpec } from './audio/wav-folder.ts';
import { timeSeriesCsvSpec } from './timeseries/timeseries-csv.ts';
import { syntheticSeriesSpec } from './timeseries/synthetic-series.ts';
import { diffSdaSimulationSpec } from './timeseries/diffsda-simulation.ts';
import { airQualitySpec } from './timeseries/air-quality.ts';
import { etthSpec } from './timeseries/etth.ts';
import { physioNetSpec } from './timeseries/physionet.ts';

import { insNotesSpec } from './audio/insnotes.ts';
import { insNotesFilesSpec } from './audio/insnotes-files.ts';
import { v3SpritesSpec } from './v3-sprites.ts';

export const specs: ComponentSpec[] = [spritesSpec, movingDigitsSpec, audioSynthSpec, wavFolderSpec, timeSeriesCsvSpec, syntheticSeriesSpec,
  airQualitySpec, etthSpec, physioNetSpec, insNotesSpec, insNotesFilesSpec, v3SpritesSpec, diffSdaSimulationSpec];
