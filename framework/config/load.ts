import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, relative, extname } from 'node:path';
import { parseDocument, LineCounter, isMap as isYamlMap, isSeq as isYamlSeq, isScalar, isPair, type Node as YamlNode } from 'yaml';
import { type ConfigMap, type ConfigPath, type ConfigValue, isMap, formatPath } from './tree.ts';
import { CONFIG_ROOT_NAME, configRootOf, groupOptions, isGroup, listGroups, optionFile, packageOf, parseGroupKey, type GroupChoice } from './groups.ts';
import { suggest } from '../util/suggest.ts';
import { Provenance } from './origin.ts';
import type { ConfigIssue } from './issues.ts';
import { mergeLayer } from './merge.ts';

/** One YAML file as written, kept for the run's artifacts. */
export interface RawLayer {
  /** Path as given (relative to the cwd when possible). */
  file: string;
  text: string;
  /** For a group option: the choice (`model=vq-f4`) and where its content landed (`model.params.first_stage`, '' for the root). */
  group?: { choice: string; package: string };
}

export interface LoadedLayers {
  value: ConfigMap;
  provenance: Provenance;
  raw: RawLayer[];
  /** The option each group was given (the last choice wins), for `--explain` and the run record. */
  choices: Record<string, string | null>;
}

/**
 * Group choices from the command line: `group=option` replaces the choice a defaults list makes,
 * `+group=option` appends one after every `--base` file. `used` records which ones took effect.
 */
export interface GroupOverride { group: string; option: string | null; text: string; index: number; append: boolean }

/**
 * Loads `--base` files left to right. A file's own `defaults:` list names other files, relative to
 * itself, and group options (`- model: vq-f4`, see groups.ts) that are merged before it (or where
 * `_self_` stands in the list). A group option's content lands at its package.
 */
export function loadLayers(files: readonly string[], issues: ConfigIssue[], cwd = process.cwd(), groupOverrides: readonly GroupOverride[] = []): LoadedLayers {
  const out: LoadedLayers = { value: {}, provenance: new Provenance(), raw: [], choices: {} };
  const ctx: LoadContext = { out, issues, cwd, overrides: groupOverrides, used: new Set() };
  for (const f of files) loadInto(resolve(cwd, f), ctx, [], [], undefined);
  const root = files.length ? configRootOf(resolve(cwd, files[0])) : resolve(cwd, CONFIG_ROOT_NAME);
  for (const o of groupOverrides) {
    if (o.append) {
      ctx.used.add(o);
      loadChoice({ group: o.group, option: o.option }, root, ctx, [], [], { file: '<command line>', path: o.text, override: o });
    } else if (!ctx.used.has(o)) {
      issues.push({ code: 'group-not-chosen', path: o.group, message: `override '${o.text}': no defaults list chooses group '${o.group}'`, suggestion: `+${o.text} (to add it after the --base files)` });
    }
  }
  return out;
}

interface LoadContext { out: LoadedLayers; issues: ConfigIssue[]; cwd: string; overrides: readonly GroupOverride[]; used: Set<GroupOverride> }

/** Where a choice was written, for its error messages. */
interface ChoiceSite { file: string; line?: number; col?: number; path: string; override?: GroupOverride }

function loadInto(absFile: string, ctx: LoadContext, chain: string[], pkg: ConfigPath, group: string | undefined): void {
  const { out, issues, cwd } = ctx;
  const shown = displayName(absFile, cwd);
  if (chain.includes(absFile)) {
    issues.push({ code: 'defaults-cycle', path: 'defaults', file: displayName(chain[chain.length - 1], cwd), message: `defaults cycle: ${[...chain, absFile].map((f) => displayName(f, cwd)).join(' -> ')}` });
    return;
  }
  const parsed = parseFile(absFile, shown, issues, pkg, group);
  if (!parsed) return;
  const { provenance, text } = parsed;
  const value = wrapAt(parsed.value, pkg);
  const defaults = takeDefaults(parsed.value, shown, provenance, issues, pkg);
  let selfMerged = false;
  const mergeSelf = () => {
    mergeLayer(out.value, out.provenance, value, provenance);
    out.raw.push({ file: shown, text, ...(group ? { group: { choice: group, package: formatPath(pkg) } } : {}) });
    selfMerged = true;
  };
  defaults.forEach((d, i) => {
    if (d === '_self_') return mergeSelf();
    const pos = provenance.filePosition([...pkg, 'defaults', i]) ?? provenance.filePosition([...pkg, 'defaults']);
    if (typeof d !== 'string') {
      const site: ChoiceSite = { file: shown, line: pos?.line, col: pos?.col, path: `defaults[${i}].${d.group}` };
      const o = ctx.overrides.find((x) => !x.append && x.group === d.group);
      if (o) ctx.used.add(o);
      const choice = o ? { ...d, option: o.option } : d;
      loadChoice(choice, configRootOf(absFile), ctx, [...chain, absFile], pkg, o ? { ...site, override: o } : site);
      return;
    }
    const target = resolveDefault(dirname(absFile), d);
    if (!target) {
      issues.push({ code: 'missing-file', path: `defaults[${i}]`, file: shown, line: pos?.line, col: pos?.col, message: `defaults entry '${d}' names no file`, expected: `${resolve(dirname(absFile), d)}[.yaml]` });
      return;
    }
    loadInto(target, ctx, [...chain, absFile], pkg, group);
  });
  if (!selfMerged) mergeSelf();
}

function loadChoice(choice: GroupChoice, root: string, ctx: LoadContext, chain: string[], pkg: ConfigPath, site: ChoiceSite): void {
  const { issues } = ctx;
  // An override's problem is the override's, not the file's whose choice it replaced.
  const where = site.override ? { path: choice.group } : { file: site.file, line: site.line, col: site.col, path: site.path };
  const via = site.override ? `override '${site.override.text}'${site.line ? ` (replacing the choice at ${site.file}:${site.line})` : ''}` : 'defaults entry';
  if (!isGroup(root, choice.group)) {
    issues.push({ code: 'unknown-group', ...where, message: `${via}: no config group '${choice.group}' under ${displayName(root, ctx.cwd)}/`, expected: listGroups(root).join(', ') || '(no groups)', suggestion: suggest(choice.group, listGroups(root)) });
    return;
  }
  ctx.out.choices[choice.group] = choice.option;
  if (choice.option === null) return;
  const file = optionFile(root, choice.group, choice.option);
  const options = groupOptions(root, choice.group);
  if (!file) {
    issues.push({ code: 'unknown-option', ...where, message: `${via}: group '${choice.group}' has no option '${choice.option}'`, expected: options.join(', '), suggestion: suggest(choice.option, options) });
    return;
  }
  const text = readFileSync(file, 'utf8');
  loadInto(file, ctx, chain, packageOf(choice, text, pkg), `${choice.group}=${choice.option}`);
}

/** `value` placed at `path` (a group option's package). */
function wrapAt(value: ConfigMap, path: ConfigPath): ConfigMap {
  let v: ConfigMap = value;
  for (let i = path.length - 1; i >= 0; i--) v = { [String(path[i])]: v };
  return v;
}

function resolveDefault(dir: string, entry: string): string | null {
  for (const cand of [entry, `${entry}.yaml`, `${entry}.yml`]) {
    const p = resolve(dir, cand);
    if (existsSync(p)) return p;
  }
  return null;
}

function displayName(abs: string, cwd: string): string {
  const r = relative(cwd, abs);
  return r.startsWith('..') ? abs : r;
}

type DefaultsEntry = string | GroupChoice;

/** A defaults list: file paths, `_self_`, and one-key maps choosing group options. */
function takeDefaults(value: ConfigMap, file: string, prov: Provenance, issues: ConfigIssue[], pkg: ConfigPath): DefaultsEntry[] {
  if (!Object.prototype.hasOwnProperty.call(value, 'defaults')) return [];
  const d = value.defaults;
  delete value.defaults;
  const bad = (at: ConfigPath, got: unknown) => {
    const pos = prov.filePosition([...pkg, ...at]);
    issues.push({ code: 'type', path: formatPath(at), file, line: pos?.line, col: pos?.col, message: 'defaults must be a list of file paths, _self_ and `group: option` entries', expected: 'list of strings or one-key maps', got: JSON.stringify(got) });
  };
  if (!Array.isArray(d)) { bad(['defaults'], d); return []; }
  const out: DefaultsEntry[] = [];
  d.forEach((x, i) => {
    if (typeof x === 'string') { out.push(x); return; }
    const keys = isMap(x) ? Object.keys(x) : [];
    const key = keys.length === 1 ? parseGroupKey(keys[0]) : null;
    const option = isMap(x) && keys.length === 1 ? x[keys[0]] : undefined;
    if (!key || !(typeof option === 'string' || option === null)) { bad(['defaults', i], x); return; }
    out.push({ group: key.group, package: key.package, option });
  });
  return out;
}

export function parseFile(absFile: string, shown: string, issues: ConfigIssue[], base: ConfigPath = [], group?: string): { value: ConfigMap; provenance: Provenance; text: string } | null {
  if (!existsSync(absFile)) {
    const ext = extname(absFile);
    issues.push({ code: 'missing-file', path: '', file: shown, message: `config file not found: ${shown}`, suggestion: ext === '' && existsSync(`${absFile}.yaml`) ? `${shown}.yaml` : undefined });
    return null;
  }
  const text = readFileSync(absFile, 'utf8');
  const parsed = parseText(text, shown, issues, base, group);
  return parsed ? { ...parsed, text } : null;
}

/** Parses YAML text, recording the position of every key. YAML 1.2 core schema; duplicate keys are errors. */
export function parseText(text: string, file: string, issues: ConfigIssue[], base: ConfigPath = [], group?: string): { value: ConfigMap; provenance: Provenance } | null {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    for (const e of doc.errors) {
      const pos = lineCounter.linePos(e.pos[0]);
      issues.push({ code: 'yaml-syntax', path: '', file, line: pos.line, col: pos.col, message: `YAML syntax error: ${e.message.split('\n')[0]}` });
    }
    return null;
  }
  const js: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (js === null || js === undefined) return { value: {}, provenance: new Provenance() };
  if (!isMap(js as ConfigValue)) {
    issues.push({ code: 'type', path: '', file, line: 1, col: 1, message: 'a config file must hold a mapping at the top level', got: Array.isArray(js) ? 'a list' : typeof js });
    return null;
  }
  const provenance = new Provenance();
  if (doc.contents) recordPositions(doc.contents, base, file, lineCounter, provenance, group);
  return { value: js as ConfigMap, provenance };
}

function recordPositions(node: YamlNode, path: ConfigPath, file: string, lc: LineCounter, prov: Provenance, group: string | undefined): void {
  if (isYamlMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      const keyNode = item.key as YamlNode | null;
      const offset = keyNode && keyNode.range ? keyNode.range[0] : 0;
      const pos = lc.linePos(offset);
      const p = [...path, key];
      prov.set(p, { kind: 'file', file, line: pos.line, col: pos.col, ...(group ? { group } : {}) });
      if (item.value && typeof item.value === 'object') recordPositions(item.value as YamlNode, p, file, lc, prov, group);
    }
  } else if (isYamlSeq(node)) {
    node.items.forEach((item, i) => {
      const n = item as YamlNode;
      const p = [...path, i];
      if (n && n.range) {
        const pos = lc.linePos(n.range[0]);
        prov.set(p, { kind: 'file', file, line: pos.line, col: pos.col, ...(group ? { group } : {}) });
      }
      if (n && typeof n === 'object') recordPositions(n, p, file, lc, prov, group);
    });
  }
}
