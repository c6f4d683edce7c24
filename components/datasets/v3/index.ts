import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { phoneNumsSpec } from './phonenums.ts';
import { phoneNumsFilesSpec } from './phonenums-files.ts';

/** V3's PhoneNums data: procedural, and read from the user's files. */
export const specs: ComponentSpec[] = [phoneNumsSpec, phoneNumsFilesSpec] as unknown as ComponentSpec[];
