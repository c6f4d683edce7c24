import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadCheckpoint } from '../../../framework/trainer/checkpoint.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { SEQUENCE_JUDGE_SCHEMA, SequenceJudge, type SequenceJudgeParams } from '../../models/sequential/sequence-judge.ts';

/**
 * Rebuilds a trained judge from its checkpoint path (`${run:sprites-judge}`): the architecture
 * comes from the judge run's own resolved config next to its checkpoints
 * (`<artifacts>/checkpoints/last.safetensors` ↔ `<artifacts>/config/resolved.yaml`), the weights
 * from the checkpoint's `model` group.
 */
export function loadJudge(checkpointPath: string): SequenceJudge {
  const configPath = join(dirname(dirname(checkpointPath)), 'config', 'resolved.yaml');
  if (!existsSync(configPath)) {
    throw new UntangleError('judge.config', `no resolved config beside the judge checkpoint ${checkpointPath}`, { configPath }, 'name the judge by ${run:NAME} of a run trained with untangle');
  }
  const cfg = parseYaml(readFileSync(configPath, 'utf8')) as { model?: { target?: string; params?: Partial<SequenceJudgeParams> } };
  if (cfg.model?.target !== 'untangle.models.SequenceJudge') {
    throw new UntangleError('judge.target', `the judge run trained ${cfg.model?.target ?? 'nothing'}, not untangle.models.SequenceJudge`, { configPath });
  }
  const defaults = Object.fromEntries(Object.entries(SEQUENCE_JUDGE_SCHEMA.properties).map(([k, v]) => [k, v.default])) as unknown as SequenceJudgeParams;
  const judge = new SequenceJudge({ ...defaults, ...cfg.model.params }, new Rng(0));
  const ckpt = loadCheckpoint(checkpointPath);
  judge.loadWeights(ckpt.groups.model);
  for (const g of Object.values(ckpt.groups)) for (const t of g.values()) t.dispose();
  return judge.eval();
}
