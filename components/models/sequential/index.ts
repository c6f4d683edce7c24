import type { ComponentSpec } from '../../../framework/registry/types.ts';
import { dsvaeSpec } from './dsvae.ts';
import { vrnnSpec } from './vrnn.ts';
import { dkfSpec } from './dkf.ts';
import { stornSpec } from './storn.ts';
import { srnnSpec } from './srnn.ts';
import { rvaeSpec } from './rvae.ts';
import { fhvaeSpec } from './fhvae.ts';
import { sequenceJudgeSpec } from './sequence-judge.ts';
import { kvaeSpec } from './kvae.ts';

export const specs: ComponentSpec[] = [dsvaeSpec, vrnnSpec, dkfSpec, stornSpec, srnnSpec, rvaeSpec, fhvaeSpec, sequenceJudgeSpec, kvaeSpec];
