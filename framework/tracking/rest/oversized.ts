/**
 * What to do with values MLflow will not store as they are. A param longer than 6000 characters
 * (a flattened list, a long path) goes to an artifact `params/<key>.txt`, and the tag
 * `untangle.param_artifact.<key>` points to it, so nothing is silently truncated. A tag longer
 * than 8000 characters is cut with a note and its full text goes to `tags/<key>.txt`.
 */
import { codepointLength, MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH, sanitizeKey } from './limits.ts';

export interface Placement {
  params: Record<string, string>;
  tags: Record<string, string>;
  artifacts: Array<{ path: string; data: string }>;
}

export const PARAM_ARTIFACT_TAG_PREFIX = 'untangle.param_artifact.';

export function placeParams(params: Record<string, string>): Placement {
  const out: Placement = { params: {}, tags: {}, artifacts: [] };
  for (const [key, value] of Object.entries(params)) {
    if (codepointLength(value) <= MAX_PARAM_VALUE_LENGTH) {
      out.params[key] = value;
      continue;
    }
    const path = `params/${key}.txt`;
    out.artifacts.push({ path, data: value });
    out.tags[sanitizeKey(PARAM_ARTIFACT_TAG_PREFIX + key)] = path;
  }
  return out;
}

export function placeTags(tags: Record<string, string>): Placement {
  const out: Placement = { params: {}, tags: {}, artifacts: [] };
  for (const [key, value] of Object.entries(tags)) {
    if (codepointLength(value) <= MAX_TAG_VALUE_LENGTH) {
      out.tags[key] = value;
      continue;
    }
    const path = `tags/${key}.txt`;
    const note = ` … [truncated; full value in artifact ${path}]`;
    out.tags[key] = Array.from(value).slice(0, MAX_TAG_VALUE_LENGTH - codepointLength(note)).join('') + note;
    out.artifacts.push({ path, data: value });
  }
  return out;
}
