import { basename } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import type { ComposedConfig } from '../config/compose.ts';
import type { BackendChoice } from '../backends/select.ts';
import { fingerprint, fingerprintTags } from '../audit/fingerprint.ts';
import { flattenParams } from '../tracking/params.ts';
import { PARAM_ARTIFACT_TAG_PREFIX } from '../tracking/rest/oversized.ts';
import type { RunWriter } from '../tracking/types.ts';
import { sections, type RunParts } from '../trainer/parts.ts';
import { RESOLVED_CONFIG_REL } from '../trainer/resolvers.ts';
import { deriveSeed } from '../util/rng.ts';

/**
 * Records what a run is made of before it trains: tags (config hash, seeds, data set, backend),
 * flattened params, every config layer, the resolved config and the code fingerprint.
 */
export function recordRun(run: RunWriter, composed: ComposedConfig, backend: BackendChoice, parts: RunParts, overrides: string[], resumed: boolean): void {
  const fp = fingerprint({ name: backend.name, versions: backend.versions });
  const data = parts.dataset.fingerprint();
  const seeds = Object.fromEntries(parts.seeds);
  const s = sections(composed.config);
  const { params, tooLong } = flattenParams(composed.config);
  const tags: Record<string, string> = {
    ...fingerprintTags(fp),
    'untangle.config_sha256': composed.hash,
    'untangle.seed': String(s.seed),
    'untangle.dataset.name': data.name,
    'untangle.dataset.digest': data.digest,
    'untangle.dataset.source': data.source,
    'untangle.backend.reason': backend.reason.slice(0, 4000),
  };
  for (const [path, seed] of parts.seeds) tags[`untangle.seed.${path}`] = String(seed);
  for (const key of Object.keys(tooLong)) tags[`${PARAM_ARTIFACT_TAG_PREFIX}${key}`] = `params/${key}.txt`;
  run.setTags(tags);
  if (!resumed) {
    run.logParams(params);
    for (const [key, value] of Object.entries(tooLong)) run.logArtifact(`params/${key}.txt`, value);
  }
  run.logInput({ name: data.name, digest: data.digest, source: data.source, sourceType: data.source.startsWith('procedural') ? 'code' : 'local' });
  composed.raw.forEach((layer, i) => run.logArtifact(`config/layers/${String(i).padStart(2, '0')}-${basename(layer.file)}`, layer.text));
  run.logArtifact('config/merged.yaml', stringifyYaml(composed.merged));
  run.logArtifact('config/overrides.txt', overrides.length ? `${overrides.join('\n')}\n` : '');
  run.logArtifact(RESOLVED_CONFIG_REL, stringifyYaml(composed.config));
  run.logArtifact('config/sha256', `${composed.hash}\n`);
  run.logArtifact('seeds.json', `${JSON.stringify({ root: s.seed, components: seeds, trainer: deriveSeed(s.seed, 'trainer'), eval: deriveSeed(s.seed, 'eval') }, null, 2)}\n`);
  run.logArtifact('fingerprint.json', `${JSON.stringify({ ...fp, code: { ...fp.code, diff: undefined }, dataset: data, configSha256: composed.hash }, null, 2)}\n`);
  if (fp.code.dirty) run.logArtifact('git.diff', fp.code.diff);
}

