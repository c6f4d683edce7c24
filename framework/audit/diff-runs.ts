import { diffConfigs, formatChanges, type ConfigChange } from '../config/diff.ts';
import type { FileStore } from '../tracking/filestore.ts';
import { requireRun, recordedConfig } from './check.ts';

/** Tags that describe where and how a run ran (not what it was asked to do). */
const FINGERPRINT_TAG = /^(mlflow\.source\.git\.(commit|branch)|untangle\.(git\.|lockfile_sha256|node|tfjs_core|platform|backend|dataset\.|config_sha256|seed))/;

export interface RunDiff {
  a: string;
  b: string;
  config: ConfigChange[];
  fingerprint: { tag: string; a: string | undefined; b: string | undefined }[];
}

/** `untangle diff RUN_A RUN_B`: resolved-config differences by key path, and fingerprint differences. */
export function diffRuns(store: FileStore, a: string, b: string): RunDiff {
  const ra = requireRun(store, a);
  const rb = requireRun(store, b);
  const config = diffConfigs(recordedConfig(ra.dir, a).config, recordedConfig(rb.dir, b).config);
  const tags = [...new Set([...Object.keys(ra.rec.tags), ...Object.keys(rb.rec.tags)])].filter((t) => FINGERPRINT_TAG.test(t) && t !== 'untangle.backend.reason').sort();
  const fingerprint = tags.filter((t) => ra.rec.tags[t] !== rb.rec.tags[t]).map((t) => ({ tag: t, a: ra.rec.tags[t], b: rb.rec.tags[t] }));
  return { a, b, config, fingerprint };
}

export function formatRunDiff(d: RunDiff): string {
  const lines = [`config: ${d.a} → ${d.b}`];
  lines.push(d.config.length ? formatChanges(d.config) : '  (identical resolved configs)');
  lines.push('fingerprint:');
  lines.push(d.fingerprint.length ? d.fingerprint.map((f) => `  ~ ${f.tag}: ${f.a ?? '(none)'} -> ${f.b ?? '(none)'}`).join('\n') : '  (identical)');
  return `${lines.join('\n')}\n`;
}
