import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, relative, extname } from 'node:path';
import { parseDocument, LineCounter, isMap as isYamlMap, isSeq as isYamlSeq, isScalar, isPair, type Node as YamlNode } from 'yaml';
import { type ConfigMap, type ConfigPath, type ConfigValue, isMap } from './tree.ts';
import { Provenance } from './origin.ts';
import type { ConfigIssue } from './issues.ts';
import { mergeLayer } from './merge.ts';

/** One YAML file as written, kept for the run's artifacts. */
export interface RawLayer {
  /** Path as given (relative to the cwd when possible). */
  file: string;
  text: string;
}

export interface LoadedLayers {
  value: ConfigMap;
  provenance: Provenance;
  raw: RawLayer[];
}

/**
 * Loads `--base` files left to right. A file's own `defaults:` list names other files, relative to
 * itself, that are merged before it (or where `_self_` stands in the list).
 */
export function loadLayers(files: readonly string[], issues: ConfigIssue[], cwd = process.cwd()): LoadedLayers {
  const out: LoadedLayers = { value: {}, provenance: new Provenance(), raw: [] };
  for (const f of files) loadInto(resolve(cwd, f), out, issues, [], cwd);
  return out;
}

function loadInto(absFile: string, out: LoadedLayers, issues: ConfigIssue[], chain: string[], cwd: string): void {
  const shown = displayName(absFile, cwd);
  if (chain.includes(absFile)) {
    issues.push({ code: 'defaults-cycle', path: 'defaults', file: displayName(chain[chain.length - 1], cwd), message: `defaults cycle: ${[...chain, absFile].map((f) => displayName(f, cwd)).join(' -> ')}` });
    return;
  }
  const parsed = parseFile(absFile, shown, issues);
  if (!parsed) return;
  const { value, provenance, text } = parsed;
  const defaults = takeDefaults(value, shown, provenance, issues);
  let selfMerged = false;
  for (const d of defaults) {
    if (d === '_self_') {
      mergeLayer(out.value, out.provenance, value, provenance);
      out.raw.push({ file: shown, text });
      selfMerged = true;
      continue;
    }
    const target = resolveDefault(dirname(absFile), d);
    if (!target) {
      issues.push({ code: 'missing-file', path: 'defaults', file: shown, line: provenance.filePosition(['defaults'])?.line, message: `defaults entry '${d}' names no file`, expected: `${resolve(dirname(absFile), d)}[.yaml]` });
      continue;
    }
    loadInto(target, out, issues, [...chain, absFile], cwd);
  }
  if (!selfMerged) {
    mergeLayer(out.value, out.provenance, value, provenance);
    out.raw.push({ file: shown, text });
  }
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

function takeDefaults(value: ConfigMap, file: string, prov: Provenance, issues: ConfigIssue[]): string[] {
  if (!Object.prototype.hasOwnProperty.call(value, 'defaults')) return [];
  const d = value.defaults;
  delete value.defaults;
  if (!Array.isArray(d) || !d.every((x): x is string => typeof x === 'string')) {
    const pos = prov.filePosition(['defaults']);
    issues.push({ code: 'type', path: 'defaults', file, line: pos?.line, col: pos?.col, message: 'defaults must be a list of file paths', expected: 'list of strings', got: JSON.stringify(d) });
    return [];
  }
  return d;
}

export function parseFile(absFile: string, shown: string, issues: ConfigIssue[]): { value: ConfigMap; provenance: Provenance; text: string } | null {
  if (!existsSync(absFile)) {
    const ext = extname(absFile);
    issues.push({ code: 'missing-file', path: '', file: shown, message: `config file not found: ${shown}`, suggestion: ext === '' && existsSync(`${absFile}.yaml`) ? `${shown}.yaml` : undefined });
    return null;
  }
  const text = readFileSync(absFile, 'utf8');
  const parsed = parseText(text, shown, issues);
  return parsed ? { ...parsed, text } : null;
}

/** Parses YAML text, recording the position of every key. YAML 1.2 core schema; duplicate keys are errors. */
export function parseText(text: string, file: string, issues: ConfigIssue[]): { value: ConfigMap; provenance: Provenance } | null {
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
  if (doc.contents) recordPositions(doc.contents, [], file, lineCounter, provenance);
  return { value: js as ConfigMap, provenance };
}

function recordPositions(node: YamlNode, path: ConfigPath, file: string, lc: LineCounter, prov: Provenance): void {
  if (isYamlMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      const keyNode = item.key as YamlNode | null;
      const offset = keyNode && keyNode.range ? keyNode.range[0] : 0;
      const pos = lc.linePos(offset);
      const p = [...path, key];
      prov.set(p, { kind: 'file', file, line: pos.line, col: pos.col });
      if (item.value && typeof item.value === 'object') recordPositions(item.value as YamlNode, p, file, lc, prov);
    }
  } else if (isYamlSeq(node)) {
    node.items.forEach((item, i) => {
      const n = item as YamlNode;
      const p = [...path, i];
      if (n && n.range) {
        const pos = lc.linePos(n.range[0]);
        prov.set(p, { kind: 'file', file, line: pos.line, col: pos.col });
      }
      if (n && typeof n === 'object') recordPositions(n, p, file, lc, prov);
    });
  }
}
