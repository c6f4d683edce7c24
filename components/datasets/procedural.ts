/**
 * Shared assembly of a procedural data set: renderer → (optional disk cache) → GroundTruthImages,
 * with the procedural fingerprint (generator version + params + probe hash, see fingerprint.ts).
 * With a cache the digest is unchanged (the data are the same); the source names the cache file.
 */
import { GroundTruthImages } from './ground-truth-dataset.ts';
import { proceduralDigest } from './fingerprint.ts';
import { openOrBuildImageCache } from './cache.ts';
import type { ImageSource } from './image-source.ts';

export interface ProceduralOptions {
  name: string;
  generator: string;
  params: Record<string, unknown>;
  factorNames: readonly string[];
  factorSizes: readonly number[];
  renderer: ImageSource;
  cacheDir?: string;
  cacheVerify?: boolean;
}

export function proceduralDataset(o: ProceduralOptions): GroundTruthImages {
  const digest = proceduralDigest(o.generator, o.params, o.renderer);
  let source = o.renderer;
  let origin = `procedural:${o.generator}`;
  if (o.cacheDir !== undefined) {
    const cache = openOrBuildImageCache(o.cacheDir, { name: o.name, generator: o.generator, params: o.params, generatorDigest: digest }, o.renderer, o.cacheVerify ?? true);
    source = cache.source;
    origin = `procedural:${o.generator} cache:${cache.path} sha256:${cache.manifest.sha256}`;
  }
  return new GroundTruthImages({
    name: o.name, factorNames: o.factorNames, factorSizes: o.factorSizes, source,
    fingerprint: () => ({ name: o.name, digest, source: origin }),
  });
}
