import { readFileSync, existsSync } from 'node:fs';
import type { ParsedArgs } from '../args.ts';
import { flag, hasFlag } from '../args.ts';
import { readNpy } from '../../io/npy.ts';
import { scoreCodes } from '../../evaluator/score.ts';
import { parseValue } from '../../config/overrides.ts';
import { UntangleError } from '../../util/errors.ts';
import type { ComponentRegistry } from '../../registry/registry.ts';

/**
 * `untangle score --factor-sizes 4,4,4,3,4,5 --codes codes.npy --metrics mig,dci --seed 0 [--json]
 * [dci.num_train=1000 ...]`: disentanglement_lib's metrics on codes saved elsewhere, one row of
 * codes per point of the full factor grid in C order.
 */
export async function scoreCommand(args: ParsedArgs, registry: ComponentRegistry): Promise<number> {
  const sizesText = flag(args, 'factor-sizes');
  const codesPath = flag(args, 'codes');
  if (!sizesText || !codesPath) throw new UntangleError('cli-usage', 'score needs --factor-sizes and --codes', {}, 'untangle score --factor-sizes 4,4,4,3,4,5 --codes codes.npy --metrics mig,dci');
  const factorSizes = sizesText.split(',').map((s) => Number(s.trim()));
  if (factorSizes.some((n) => !Number.isInteger(n) || n < 1)) throw new UntangleError('cli-usage', `--factor-sizes must be positive integers, got '${sizesText}'`, {});
  if (!existsSync(codesPath)) throw new UntangleError('missing-file', `codes file not found: ${codesPath}`, {});
  const arr = readNpy(new Uint8Array(readFileSync(codesPath)));
  if (arr.shape.length !== 2) throw new UntangleError('score-shape', `codes must be an [N, d] array, got shape [${arr.shape.join(', ')}]`, { file: codesPath });
  const [n, dim] = arr.shape;
  const gridSize = factorSizes.reduce((a, b) => a * b, 1);
  if (n !== gridSize) throw new UntangleError('score-shape', `codes have ${n} rows but the factor grid ${factorSizes.join('×')} has ${gridSize} points`, { file: codesPath }, 'one row per grid point, in C order (last factor fastest)');
  const codes = arr.data instanceof Float32Array ? arr.data : Float32Array.from(arr.data as ArrayLike<number>, Number);
  const metrics = (flag(args, 'metrics') ?? 'mig,dci,sap,modularity,betavae,factorvae').split(',').map((m) => m.trim()).filter(Boolean);
  const overrides: Record<string, Record<string, unknown>> = {};
  for (const o of args.overrides) {
    const m = /^(\w+)\.(\w+)=(.*)$/.exec(o);
    const parsed = m ? parseValue(m[3]) : null;
    if (!m || !parsed || !parsed.ok) throw new UntangleError('cli-usage', `cannot read metric override '${o}'`, {}, 'write METRIC.PARAM=VALUE, e.g. dci.num_train=1000');
    if (!registry.resolveName('metric', m[1])) throw new UntangleError('cli-usage', `override '${o}' names no metric`, { metrics: registry.aliases('metric').join(', ') });
    (overrides[m[1]] ??= {})[m[2]] = parsed.value;
  }
  const seed = Number(flag(args, 'seed') ?? 0);
  const scores = await scoreCodes({ registry, factorSizes, codes, dim, metrics, seed, overrides });
  if (hasFlag(args, 'json')) process.stdout.write(`${JSON.stringify(scores)}\n`);
  else for (const [m, s] of Object.entries(scores)) process.stdout.write(`${m}: ${Object.entries(s).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(' ')}\n`);
  return 0;
}
