import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { csaeSpec } from './csae.ts';
import { v3LossSpec } from '../../losses/v3/v3-loss.ts';
import { phoneNumsSpec } from '../../datasets/v3/phonenums.ts';
import { phoneNumsFilesSpec } from '../../datasets/v3/phonenums-files.ts';

/** V3's components: the content-style autoencoder, its loss and the PhoneNums data. */
export const specs: ComponentSpec[] = [csaeSpec, v3LossSpec, phoneNumsSpec, phoneNumsFilesSpec] as unknown as ComponentSpec[];
