/**
 * Makes tfjs-core trainable: registers every tfjs-core gradient and chained op (`x.square()`)
 * with the global engine. tfjs-core's Node entry (dist/tf-core.node.js) registers neither; only
 * its ESM sources do (dist/register_all_gradients.js), and Node cannot import those directly
 * (extensionless imports in a CommonJS package). The umbrella @tensorflow/tfjs package would pull
 * in ~290 MB of layers/converter/data/webgl for this, so instead the two registration entry points
 * are bundled once with esbuild, from the installed tfjs-core, into node_modules/.cache. The bundle
 * has its own copy of the op code it needs, but every piece of tfjs state it touches (engine,
 * kernel and gradient registries) lives on globalThis and is shared with the main copy.
 *
 * Importing this module is enough; selectBackend() does it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildSync } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const coreDir = dirname(dirname(require.resolve('@tensorflow/tfjs-core')));
const version = String((JSON.parse(readFileSync(join(coreDir, 'package.json'), 'utf8')) as { version: string }).version);

/** Path of the registration bundle for the installed tfjs-core, built on first use. */
export function gradientBundle(): string {
  const cacheDir = join(coreDir, '..', '..', '.cache', 'untangle');
  const out = join(cacheDir, `tfjs-core-${version}-gradients.mjs`);
  if (existsSync(out)) return out;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  buildSync({
    stdin: {
      contents: [
        `import '${join(coreDir, 'dist/register_all_gradients.js')}';`,
        `import '${join(coreDir, 'dist/public/chained_ops/register_all_chained_ops.js')}';`,
      ].join('\n'),
      resolveDir: coreDir,
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: tmp,
    logLevel: 'warning',
  });
  renameSync(tmp, out);
  return out;
}

await import(pathToFileURL(gradientBundle()).href);

/** True when the gradients tfjs-core ships are registered (a cheap sanity check for fingerprints). */
export function tfjsGradientsRegistered(): boolean {
  return tf.getGradient('Conv2D') !== undefined && tf.getGradient('BatchMatMul') !== undefined;
}
