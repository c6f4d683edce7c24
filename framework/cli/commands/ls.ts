import type { ParsedArgs } from '../args.ts';
import type { ComponentRegistry } from '../../registry/registry.ts';
import { COMPONENT_KINDS, type ComponentKind } from '../../registry/types.ts';
import { UntangleError } from '../../util/errors.ts';
import { suggest } from '../../util/suggest.ts';
import { resolve } from 'node:path';
import { CONFIG_ROOT_NAME, groupOptions, listGroups } from '../../config/groups.ts';

/** `untangle ls [kind|groups]`: the registered targets with one-line descriptions, then the config groups. */
export function lsCommand(args: ParsedArgs, registry: ComponentRegistry): number {
  const kind = args.positionals[0];
  if (kind === 'groups') return lsGroups();
  if (kind && !(COMPONENT_KINDS as readonly string[]).includes(kind)) {
    throw new UntangleError('cli-usage', `unknown kind '${kind}'`, { kinds: COMPONENT_KINDS.join(', ') }, suggest(kind, COMPONENT_KINDS) ? `did you mean ${suggest(kind, COMPONENT_KINDS)}?` : undefined);
  }
  const kinds = kind ? [kind as ComponentKind] : [...COMPONENT_KINDS];
  for (const k of kinds) {
    const specs = registry.list(k);
    if (!specs.length) continue;
    process.stdout.write(`${k}:\n`);
    const w = Math.max(...specs.map((s) => s.target.length));
    // The source file on its own line, so descriptions stay readable and the path is one click away.
    for (const s of specs) process.stdout.write(`  ${s.target.padEnd(w)}  ${s.description}\n${s.source ? `  ${' '.repeat(w)}  ${s.source}\n` : ''}`);
  }
  if (!kind) lsGroups();
  return 0;
}

/** The config groups under ./configs and their options (`- group: option` in defaults, `group=option` on the command line). */
function lsGroups(): number {
  const root = resolve(process.cwd(), CONFIG_ROOT_NAME);
  const groups = listGroups(root);
  if (!groups.length) return 0;
  process.stdout.write(`config groups (${CONFIG_ROOT_NAME}/<group>/<option>.yaml):\n`);
  const w = Math.max(...groups.map((g) => g.length));
  for (const g of groups) process.stdout.write(`  ${g.padEnd(w)}  ${groupOptions(root, g).join(', ')}\n`);
  return 0;
}
