import type { ComponentNode } from '../registry/types.ts';

/**
 * The TypeScript type of a value that passed a `const` JSON schema with defaults filled in (what
 * TreeValidator leaves behind), derived from the schema itself so that the two cannot drift apart.
 * Covers the subset the run schema uses: `type` (one or a list), `enum`, `properties` with
 * `required` and `default` (a defaulted key is always present after validation),
 * `additionalProperties`, and component slots (`x-kind`), which hold `{target, params}` nodes.
 */
export type FromSchema<S> =
  S extends { readonly 'x-kind': string } ? ComponentNode
  : S extends { readonly enum: readonly (infer E)[] } ? E
  : S extends { readonly properties: infer P } ? ObjectOf<S, P>
  : S extends { readonly additionalProperties: infer A } ? Record<string, SlotOr<A>>
  : S extends { readonly type: readonly (infer T)[] } ? Primitive<T>
  : S extends { readonly type: infer T } ? Primitive<T>
  : unknown;

type Primitive<T> =
  T extends 'string' ? string
  : T extends 'integer' | 'number' ? number
  : T extends 'boolean' ? boolean
  : T extends 'null' ? null
  : T extends 'array' ? unknown[]
  : T extends 'object' ? Record<string, unknown>
  : never;

/** A map entry: a slot may be nulled out (`~key` or `key: null` drops a callback, a metric). */
type SlotOr<A> = A extends { readonly 'x-kind': string } ? ComponentNode | null : FromSchema<A>;

/** Keys present after validation: required ones and those with a default. */
type Present<S, P> =
  | (S extends { readonly required: readonly (infer R)[] } ? R : never)
  | { [K in keyof P]: P[K] extends { readonly default: unknown } ? K : never }[keyof P];

type ObjectOf<S, P> = Flatten<
  { -readonly [K in keyof P as K extends Present<S, P> ? K : never]: FromSchema<P[K]> }
  & { -readonly [K in keyof P as K extends Present<S, P> ? never : K]?: SlotOr<P[K]> }
>;

type Flatten<T> = { [K in keyof T]: T[K] };
