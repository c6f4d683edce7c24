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

  constructor(parent: DependencyContainer = rootContainer) {
    this.container = parent.createChildContainer();
  }

  register(spec: ComponentSpec): void {
    if (this.specs.has(spec.target)) {
      throw new UntangleError('registry-duplicate', `target '${spec.target}' is registered twice`, { target: spec.target });
    }
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
