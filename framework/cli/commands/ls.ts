import type { ParsedArgs } from '../args.ts';
import type { ComponentRegistry } from '../../registry/registry.ts';
import { COMPONENT_KINDS, type ComponentKind } from '../../registry/types.ts';
import { UntangleError } from '../../util/errors.ts';
import { suggest } from '../../util/suggest.ts';

/** `untangle ls [kind]`: the registered targets with one-line descriptions. */
export function lsCommand(args: ParsedArgs, registry: ComponentRegistry): number {
  const kind = args.positionals[0];
  if (kind && !(COMPONENT_KINDS as readonly string[]).includes(kind)) {
    throw new UntangleError('cli-usage', `unknown kind '${kind}'`, { kinds: COMPONENT_KINDS.join(', ') }, suggest(kind, COMPONENT_KINDS) ? `did you mean ${suggest(kind, COMPONENT_KINDS)}?` : undefined);
  }
  const kinds = kind ? [kind as ComponentKind] : [...COMPONENT_KINDS];
  for (const k of kinds) {
    const specs = registry.list(k);
    if (!specs.length) continue;
    process.stdout.write(`${k}:\n`);
    const w = Math.max(...specs.map((s) => s.target.length));
    for (const s of specs) process.stdout.write(`  ${s.target.padEnd(w)}  ${s.description}\n`);
  }
  return 0;
}
