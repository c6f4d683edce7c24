import type { ComponentKind, JsonSchema } from './types.ts';
import { COMPONENT_KINDS } from './types.ts';

/** A place in a schema that holds nested component nodes. */
export interface Slot {
  kind: ComponentKind;
  lazy: boolean;
  /** How the slot holds nodes: one node, a list of nodes, or a map name → node. */
  shape: 'one' | 'list' | 'map';
}

export function slotOf(schema: unknown): Slot | null {
  if (!isSchema(schema)) return null;
  const direct = kindOf(schema);
  if (direct) return { kind: direct, lazy: schema['x-lazy'] === true, shape: 'one' };
  const items = isSchema(schema.items) ? kindOf(schema.items) : null;
  if (items) return { kind: items, lazy: (schema.items as JsonSchema)['x-lazy'] === true, shape: 'list' };
  if (!schema.properties) {
    const add = isSchema(schema.additionalProperties) ? kindOf(schema.additionalProperties) : null;
    if (add) return { kind: add, lazy: (schema.additionalProperties as JsonSchema)['x-lazy'] === true, shape: 'map' };
  }
  return null;
}

function kindOf(s: JsonSchema): ComponentKind | null {
  const k = s['x-kind'];
  return typeof k === 'string' && (COMPONENT_KINDS as readonly string[]).includes(k) ? (k as ComponentKind) : null;
}

export function isSchema(v: unknown): v is JsonSchema {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> {
  const p = schema.properties;
  return isSchema(p) ? (p as Record<string, JsonSchema>) : {};
}

/**
 * The schema ajv checks: slots are replaced by a permissive node shape (their contents are
 * checked against the nested component's own schema, which only the registry knows).
 */
export function ajvView(schema: JsonSchema): JsonSchema {
  const slot = slotOf(schema);
  if (slot) {
    const node = { type: 'object', required: ['target'], properties: { target: { type: 'string' } } };
    const withDefault = (s: JsonSchema): JsonSchema => (schema.default !== undefined ? { ...s, default: schema.default } : s);
    if (slot.shape === 'one') return withDefault({ anyOf: [node, { type: 'null' }] });
    if (slot.shape === 'list') return withDefault({ type: 'array', items: node });
    return withDefault({ type: 'object', additionalProperties: { anyOf: [node, { type: 'null' }] } });
  }
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'x-kind' || k === 'x-lazy') continue;
    if (k === 'properties' && isSchema(v)) {
      out.properties = Object.fromEntries(Object.entries(v).map(([pk, ps]) => [pk, isSchema(ps) ? ajvView(ps) : ps]));
    } else if ((k === 'items' || k === 'additionalProperties') && isSchema(v)) {
      out[k] = ajvView(v);
    } else out[k] = v;
  }
  return out;
}
