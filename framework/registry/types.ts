import type { DependencyContainer } from 'tsyringe';
import { callerSource } from './source.ts';

/** What a component is for; a config slot accepts only components of its kind. */
export const COMPONENT_KINDS = [
  'model', 'loss', 'sampler', 'dataset', 'metric', 'optimizer', 'schedule', 'callback', 'launcher',
] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

/**
 * A JSON Schema (draft-07, as ajv reads it) for a component's `params`.
 * Extension keywords:
 *  - `x-kind: <ComponentKind>` marks a property as a slot holding a nested `{target, params}` node
 *    of that kind (or, with type array, a list of such nodes). Nested nodes are built before the
 *    parent's constructor runs, and the parent receives the built objects.
 *  - `x-lazy: true` on a slot hands the parent the validated node instead of the built object,
 *    for parents that build a child several times or later (call ctx.instantiate themselves).
 */
export type JsonSchema = { [key: string]: unknown };

/** The context a factory gets: its place in the config tree, its derived seed, and services. */
export interface BuildContext {
  /** Dotted config path of this node, e.g. `model` or `model.params.encoder`. */
  readonly path: string;
  /** Seed derived from the run's root seed and `path` (see framework/util/rng.ts deriveSeed). */
  readonly seed: number;
  /** The run's child container: services registered for this run (tracker, run dir, ...). */
  readonly container: DependencyContainer;
  /** Build a nested `{target, params}` node (already validated) at a sub-path. */
  instantiate<T = unknown>(node: ComponentNode, subPath: string): T;
}

/** A registered component: one entry of the registry. */
export interface ComponentSpec<P = object, T = unknown> {
  /** Dotted target name used in configs, e.g. `untangle.models.BetaVAE`. */
  readonly target: string;
  readonly kind: ComponentKind;
  /** One line, shown by `untangle ls`. */
  readonly description: string;
  /** Schema of `params`; defaults written here are filled in before `create` runs. */
  readonly schema: JsonSchema;
  /**
   * Short names a command line may use instead of the target (`untangle score --metrics mig,dci`),
   * unique within the kind. The registry resolves them; configs always name the full target.
   */
  readonly aliases?: readonly string[];
  /**
   * `file:line` that defines the spec, relative to the repository root; `defineComponent` fills it
   * in from the call stack. Shown by `untangle ls` and by every config error that names the target.
   */
  readonly source?: string;
  create(params: P, ctx: BuildContext): T;
}

/** A config node naming a component. */
export interface ComponentNode {
  target: string;
  params?: Record<string, unknown>;
  [extra: string]: unknown;
}

export function isComponentNode(v: unknown): v is ComponentNode {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { target?: unknown }).target === 'string';
}

/**
 * Declares a spec with typed params. Specs of any params type fit in a `ComponentSpec[]`: the
 * registry validates params against the schema before `create` ever sees them.
 */
export function defineComponent<P, T>(spec: ComponentSpec<P, T>): ComponentSpec<P, T> {
  return spec.source ? spec : { ...spec, source: callerSource() };
}

/** ` (defined in components/x.ts:12)` for messages, or nothing for a spec without a known source. */
export function sourceNote(spec: Pick<ComponentSpec, 'source'>): string {
  return spec.source ? ` (defined in ${spec.source})` : '';
}
