import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { csaeSpec } from './csae.ts';
import { v3LossSpec } from '../../losses/v3/v3-loss.ts';
import { phoneNumsSpec } from '../../datasets/v3/phonenums.ts';
import { phoneNumsFilesSpec } from '../../datasets/v3/phonenums-files.ts';
import { svhnH5Spec } from '../../datasets/v3/svhn-h5.ts';
import { libriSpeechH5Spec } from '../../datasets/v3/librispeech-h5.ts';

/** V3's components: the content-style autoencoder, its loss, PhoneNums and the readers of the upstream's SVHN and LibriSpeech HDF5 files. */
export const specs: ComponentSpec[] = [csaeSpec, v3LossSpec, phoneNumsSpec, phoneNumsFilesSpec, svhnH5Spec, libriSpeechH5Spec] as unknown as ComponentSpec[];
