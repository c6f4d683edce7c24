import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { ComponentKind, ComponentSpec } from './types.ts';
import { UntangleError } from '../util/errors.ts';

/** The tsyringe token under which a target's spec is registered. Explicit: no decorator metadata needed. */
export function componentToken(target: string): string {
  return `untangle:component:${target}`;
}

/**
 * `target:` strings → component specs, held in a tsyringe container. Only registered names
 * resolve (no import paths), which is the whitelist Hydra 1.4 had to add after the fact.
 */
export class ComponentRegistry {
  readonly container: DependencyContainer;
  private readonly specs = new Map<string, ComponentSpec>();
  /** `kind:alias` → target, for command lines that take short names. */
  private readonly aliasTargets = new Map<string, string>();

  constructor(parent: DependencyContainer = rootContainer) {
    this.container = parent.createChildContainer();
  }

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
    this.container.register(componentToken(spec.target), { useValue: spec });
  }

  registerAll(specs: readonly ComponentSpec[]): this {
    for (const s of specs) this.register(s);
    return this;
  }

  get(target: string): ComponentSpec | undefined {
    const token = componentToken(target);
    return this.container.isRegistered(token, true) ? this.container.resolve<ComponentSpec>(token) : undefined;
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

  /** A child container for one run or trial: run-scoped services go there, never into the registry. */
  runScope(): DependencyContainer {
    return this.container.createChildContainer();
  }
}
