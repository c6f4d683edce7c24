import type { ComponentKind, ComponentSpec } from './types.ts';
import { UntangleError } from '../util/errors.ts';

/**
 * `target:` strings → component specs. Only registered names resolve (no import paths), which is
 * the whitelist Hydra 1.4 had to add after the fact. Specs are static and live in a Map; run-scoped
 * services live in a run's own container (scope.ts), never here.
 */
export class ComponentRegistry {
  private readonly specs = new Map<string, ComponentSpec>();
  /** `kind:alias` → target, for command lines that take short names. */
  private readonly aliasTargets = new Map<string, string>();

  register(spec: ComponentSpec): void {
    if (this.specs.has(spec.target)) {
      throw new UntangleError('registry-duplicate', `target '${spec.target}' is registered twice`, { target: spec.target });
    }
    for (const alias of spec.aliases ?? []) {
      const taken = this.aliasTargets.get(`${spec.kind}:${alias}`);
      if (taken) {
        throw new UntangleError('registry-duplicate', `alias '${alias}' of '${spec.target}' is already the ${spec.kind} '${taken}'`, { target: spec.target, alias, taken });
      }
    }
    for (const alias of spec.aliases ?? []) this.aliasTargets.set(`${spec.kind}:${alias}`, spec.target);
    this.specs.set(spec.target, spec);
  }

  registerAll(specs: readonly ComponentSpec[]): this {
    for (const s of specs) this.register(s);
    return this;
  }

  get(target: string): ComponentSpec | undefined {
    return this.specs.get(target);
  }

  /** The spec a command-line name stands for: a full target or one of the kind's aliases. */
  resolveName(kind: ComponentKind, name: string): ComponentSpec | undefined {
    const spec = this.get(this.aliasTargets.get(`${kind}:${name}`) ?? name);
    return spec && spec.kind === kind ? spec : undefined;
  }

  /** Every alias of a kind, sorted: what a command line may name. */
  aliases(kind: ComponentKind): string[] {
    return this.list(kind).flatMap((s) => [...(s.aliases ?? [])]).sort();
  }

  list(kind?: ComponentKind): ComponentSpec[] {
    return [...this.specs.values()].filter((s) => !kind || s.kind === kind).sort((a, b) => a.target.localeCompare(b.target));
  }

  targets(kind?: ComponentKind): string[] {
    return this.list(kind).map((s) => s.target);
  }
}
