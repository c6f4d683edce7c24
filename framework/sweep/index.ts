import type { ComponentSpec } from '../registry/types.ts';
import { localLauncherSpec } from './local.ts';
import { slurmLauncherSpec } from './slurm.ts';

/** The launchers (kind 'launcher'), for registry.ts. */
export const specs: ComponentSpec[] = [localLauncherSpec as ComponentSpec, slurmLauncherSpec as ComponentSpec];
