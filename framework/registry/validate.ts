import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { sourceNote, type ComponentKind, type ComponentSpec, type JsonSchema } from './types.ts';
import type { ComponentRegistry } from './registry.ts';
import { ajvView, isSchema, propertiesOf, slotOf } from './schema-walk.ts';
import { type ConfigMap, type ConfigPath, type ConfigValue, formatPath, isMap, leafPaths, deepClone, getAt } from '../config/tree.ts';
import type { Provenance } from '../config/origin.ts';
import type { ConfigIssue } from '../config/issues.ts';
import { suggest } from '../util/suggest.ts';

/**
 * Validates a resolved config tree against the run schema and, at every slot, the named
 * component's params schema: unknown targets (with the closest registered name), wrong slot kinds,
 * unknown keys, wrong types, missing required keys. Fills schema defaults in place and records
 * them as provenance. Every problem is collected; nothing is thrown.
 */
export class TreeValidator {
  private readonly ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
  private readonly compiled = new WeakMap<JsonSchema, ValidateFunction>();
  /** The schema each mapping was checked against, by dotted path: what keys may stand there. */
  readonly schemaAt = new Map<string, JsonSchema>();

  constructor(private readonly registry: ComponentRegistry) {}

  validate(root: Record<string, ConfigValue>, schema: JsonSchema, prov: Provenance, issues: ConfigIssue[]): void {
    this.checkValue(root, schema, [], prov, issues, 'run config');
  }

  private compile(schema: JsonSchema): ValidateFunction {
    const cached = this.compiled.get(schema);
    if (cached) return cached;
    const v = this.ajv.compile(ajvView(schema));
    this.compiled.set(schema, v);
    return v;
  }

  /** ajv on this value (defaults filled), then recurse into slots. */
  private checkValue(value: ConfigValue, schema: JsonSchema, path: ConfigPath, prov: Provenance, issues: ConfigIssue[], owner: string): void {
    const before = deepClone(value);
    this.schemaAt.set(formatPath(path), schema);
    const validate = this.compile(schema);
    if (!validate(value)) {
      for (const e of validate.errors ?? []) issues.push(this.toIssue(e, path, prov));
    }
    this.recordDefaults(before, value, path, prov, owner);
    this.walkSlots(value, schema, path, prov, issues, owner);
  }

  private walkSlots(value: ConfigValue, schema: JsonSchema, path: ConfigPath, prov: Provenance, issues: ConfigIssue[], owner: string): void {
    if (!isMap(value)) return;
    for (const [key, sub] of Object.entries(propertiesOf(schema))) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      const child = value[key];
      const slot = slotOf(sub);
      const childPath = [...path, key];
      if (slot) {
        if (child === null) continue;
        if (slot.shape === 'one') this.checkSlot(child, slot.kind, childPath, prov, issues);
        else if (slot.shape === 'list' && Array.isArray(child)) child.forEach((c, i) => this.checkSlot(c, slot.kind, [...childPath, i], prov, issues));
        else if (slot.shape === 'map' && isMap(child)) for (const [k, c] of Object.entries(child)) if (c !== null) this.checkSlot(c, slot.kind, [...childPath, k], prov, issues);
      } else if (isSchema(sub) && (sub.properties || sub.additionalProperties)) {
        this.schemaAt.set(formatPath(childPath), sub);
        this.walkSlots(child, sub, childPath, prov, issues, owner);
      }
    }
  }

  private checkSlot(node: ConfigValue, kind: ComponentKind, path: ConfigPath, prov: Provenance, issues: ConfigIssue[]): void {
    const at = (extra: Partial<ConfigIssue> & { code: string; message: string }, p: ConfigPath = path): ConfigIssue => {
      const pos = prov.filePosition(p);
      return { path: formatPath(p), file: pos?.file, line: pos?.line, col: pos?.col, ...extra };
    };
    if (!isMap(node) || typeof node.target !== 'string') {
      issues.push(at({ code: 'slot-shape', message: `expected a ${kind} component node`, expected: '{ target: <name>, params: {...} }', got: JSON.stringify(node) }));
      return;
    }
    const target = node.target;
    const spec = this.registry.get(target);
    if (!spec) {
      const suggestion = suggest(target, this.registry.targets(kind)) ?? suggest(target, this.registry.targets());
      issues.push(at({ code: 'unknown-target', message: `unknown ${kind} target '${target}'`, expected: `a registered ${kind} (see \`untangle ls ${kind}\`)`, suggestion }, [...path, 'target']));
      return;
    }
    const component = `${spec.target}${sourceNote(spec)}`;
    const first = issues.length;
    this.checkComponent(node, spec, kind, path, prov, issues, at);
    // Problems against this component's schema name it and its file; a nested component's problems
    // already name their own.
    for (let i = first; i < issues.length; i++) issues[i].component ??= component;
  }

  private checkComponent(node: ConfigMap, spec: ComponentSpec, kind: ComponentKind, path: ConfigPath, prov: Provenance, issues: ConfigIssue[],
    at: (extra: Partial<ConfigIssue> & { code: string; message: string }, p?: ConfigPath) => ConfigIssue): void {
    const target = spec.target;
    if (spec.kind !== kind) {
      issues.push(at({ code: 'wrong-kind', message: `'${target}' is a ${spec.kind}, but a ${kind} belongs here`, expected: `a ${kind}: ${this.registry.targets(kind).slice(0, 6).join(', ')}${this.registry.targets(kind).length > 6 ? ', ...' : ''}`, got: spec.kind, suggestion: suggest(target, this.registry.targets(kind)) }, [...path, 'target']));
      return;
    }
    for (const extra of Object.keys(node)) {
      if (extra === 'target' || extra === 'params') continue;
      issues.push(at({ code: 'unknown-key', message: `unknown key '${extra}' beside target/params`, expected: 'only target and params', suggestion: suggest(extra, ['target', 'params']) ?? `params.${extra}` }, [...path, extra]));
    }
    if (node.params === undefined || node.params === null) node.params = {};
    if (!isMap(node.params)) {
      issues.push(at({ code: 'type', message: 'params must be a mapping', got: JSON.stringify(node.params) }, [...path, 'params']));
      return;
    }
    this.checkValue(node.params, spec.schema, [...path, 'params'], prov, issues, spec.target);
  }

  private recordDefaults(before: ConfigValue, after: ConfigValue, path: ConfigPath, prov: Provenance, owner: string): void {
    for (const leaf of leafPaths(after)) {
      if (!getAt(before, leaf).found) {
        // Record the highest new ancestor, so a filled-in default mapping explains as one default.
        let top = leaf;
        while (top.length > 1 && !getAt(before, top.slice(0, -1)).found) top = top.slice(0, -1);
        prov.set([...path, ...top], { kind: 'default', target: owner });
      }
    }
  }

  private toIssue(e: ErrorObject, base: ConfigPath, prov: Provenance): ConfigIssue {
    const rel = e.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
    const path = [...base, ...rel];
    const mk = (p: ConfigPath, extra: Omit<ConfigIssue, 'path'>): ConfigIssue => {
      const pos = prov.filePosition(p);
      return { path: formatPath(p), file: pos?.file, line: pos?.line, col: pos?.col, ...extra };
    };
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        const known = isSchema(e.parentSchema) ? Object.keys(propertiesOf(e.parentSchema)) : [];
        return mk([...path, key], { code: 'unknown-key', message: `unknown key '${key}'`, expected: known.length ? `one of: ${known.join(', ')}` : 'no keys here', suggestion: suggest(key, known) });
      }
      case 'required':
        return mk([...path, String(params.missingProperty)], { code: 'missing-key', message: `missing required key '${String(params.missingProperty)}'` });
      case 'type':
        return mk(path, { code: 'type', message: `wrong type`, expected: String(params.type), got: JSON.stringify(e.data) });
      case 'enum': {
        const allowed = (params.allowedValues as unknown[]).map(String);
        return mk(path, { code: 'enum', message: 'value not allowed', expected: `one of: ${allowed.join(', ')}`, got: JSON.stringify(e.data), suggestion: suggest(String(e.data), allowed) });
      }
      default:
        return mk(path, { code: e.keyword, message: e.message ?? e.keyword, got: JSON.stringify(e.data) });
    }
  }
}
