import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { phoneNumsSpec } from './phonenums.ts';
import { phoneNumsFilesSpec } from './phonenums-files.ts';
import { svhnH5Spec } from './svhn-h5.ts';
import { libriSpeechH5Spec } from './librispeech-h5.ts';

/** V3's data: PhoneNums (procedural, and read from the user's files) and readers of the upstream's SVHN and LibriSpeech HDF5 files. */
export const specs: ComponentSpec[] = [phoneNumsSpec, phoneNumsFilesSpec, svhnH5Spec, libriSpeechH5Spec] as unknown as ComponentSpec[];
