import { stringify as stringifyYaml } from 'yaml';
import type { ParsedArgs } from '../args.ts';
import { flag } from '../args.ts';
import type { ComponentRegistry } from '../../registry/registry.ts';
import { composeConfig } from '../../config/compose.ts';
import { parsePath, getAt, formatPath } from '../../config/tree.ts';
import { describeOrigin } from '../../config/origin.ts';
import { defaultResolvers } from '../../trainer/resolvers.ts';
import { UntangleError } from '../../util/errors.ts';

/** `untangle config --base ... [overrides] [--explain key.path]`: the resolved config, or where one value came from. */
export function configCommand(args: ParsedArgs, registry: ComponentRegistry): number {
  const composed = composeConfig({ baseFiles: args.baseFiles, overrides: args.overrides, registry, resolvers: defaultResolvers(process.cwd()) });
  const explain = flag(args, 'explain');
  if (!explain) {
    process.stdout.write(`# sha256: ${composed.hash}\n${stringifyYaml(composed.config)}`);
    return 0;
  }
  const path = parsePath(explain);
  const got = getAt(composed.config, path);
  if (!got.found) throw new UntangleError('explain-missing', `'${explain}' is not in the resolved config`, {});
  const history = composed.provenance.historyOf(path);
  const lines = [`${formatPath(path)} = ${JSON.stringify(got.value)}`];
  const chosen = Object.entries(composed.choices).map(([g, o]) => `${g}=${o ?? 'null'}`);
  if (chosen.length) lines.push(`  groups: ${chosen.join(' ')}`);
  if (!history.length) {
    const inherited = composed.provenance.lookup(path);
    lines.push(`  set with its parent by ${inherited ? describeOrigin(inherited) : 'nothing recorded'}`);
  }
  history.forEach((o, i) => lines.push(`  ${i === history.length - 1 ? 'set by' : 'was set by'} ${describeOrigin(o)}`));
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
