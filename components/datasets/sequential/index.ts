import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { spritesSpec } from './sprites.ts';
import { movingDigitsSpec } from './moving-digits.ts';
import { audioSynthSpec } from './audio/audio-synth.ts';
import { wavFolderSpec } from './audio/wav-folder.ts';
import { timeSeriesCsvSpec } from './timeseries/timeseries-csv.ts';
import { syntheticSeriesSpec } from './timeseries/synthetic-series.ts';

import { insNotesSpec } from './audio/insnotes.ts';
import { v3SpritesSpec } from './v3-sprites.ts';
export const specs: ComponentSpec[] = [insNotesSpec, v3SpritesSpec, spritesSpec, movingDigitsSpec, audioSynthSpec, wavFolderSpec, timeSeriesCsvSpec, syntheticSeriesSpec];
