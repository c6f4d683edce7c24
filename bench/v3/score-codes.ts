// Scores codes computed elsewhere (bench/v3/upstream-train.py: the upstream's own model) with
// untangle's content/style metrics, exactly as `untangle run` scores its CSAE: the config's
// retrieval, codebook and neighbour metric objects, its eval data set and batch size. The codes
// stand in for a model: each evaluation batch's pages are looked up (by their pixels) among the
// test pages the codes were computed on, in export-data.ts' order.
//
//   npx tsx bench/v3/score-codes.ts --codes CODES.npz --pages TEST_DIR --out OUT.json --base a.yaml [b.yaml] [overrides]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { readNpz } from '../../framework/io/npz.ts';
import { readNpy } from '../../framework/io/npy.ts';
import type { Model } from '../../framework/contracts/index.ts';
import type { ContentStyleCodes, ContentStyleModel } from '../../components/metrics/content-style/model.ts';
import { scriptArgs } from '../parity/script-args.ts';
import { headline, scoreWith, scratchParts } from './scratch-parts.ts';

const { opt, hasBase, base, overrides } = scriptArgs();
const codesFile = opt('--codes'), pagesDir = opt('--pages'), out = opt('--out');
if (!codesFile || !pagesDir || !out || !hasBase) throw new Error('usage: score-codes.ts --codes CODES.npz --pages TEST_DIR --out OUT.json --base a.yaml [...] [overrides]');

const z = readNpz(new Uint8Array(readFileSync(codesFile)));
const [nPages, nFrag, dc] = z.content.shape;
const ds = z.style.shape[2];
const content = z.content.data as Float32Array, style = z.style.data as Float32Array, atoms = z.atoms.data as Int32Array;

// Pages as export-data.ts wrote them: uint8 codes into a float palette, in data-set order.
const px = readNpy(new Uint8Array(readFileSync(join(pagesDir, 'x.npy'))));
const palette = readNpy(new Uint8Array(readFileSync(join(pagesDir, 'palette.npy')))).data as Float32Array;
const per = px.data.length / px.shape[0];
if (px.shape[0] !== nPages) throw new Error(`${codesFile} has codes for ${nPages} pages, ${pagesDir} holds ${px.shape[0]}`);
const key = (f: Float32Array) => createHash('sha1').update(Buffer.from(f.buffer, f.byteOffset, f.byteLength)).digest('hex');
const pageOf = new Map<string, number>();
for (let p = 0; p < nPages; p++) {
  const f = new Float32Array(per);
  for (let i = 0; i < per; i++) f[i] = palette[(px.data as Uint8Array)[p * per + i]];
  pageOf.set(key(f), p);
}

const replay: ContentStyleModel = {
  nAtoms: z.codebook.shape[0],
  codebook: () => tf.tensor2d(z.codebook.data as Float32Array, z.codebook.shape as [number, number]),
  encodeFragments(x: tf.Tensor): ContentStyleCodes {
    const b = x.shape[0];
    const all = x.dataSync() as Float32Array;
    const rows = Array.from({ length: b }, (_, i) => {
      const p = pageOf.get(key(all.slice(i * per, (i + 1) * per)));
      if (p === undefined) throw new Error(`evaluation page ${i} of a batch is not among the pages in ${pagesDir}`);
      return p;
    });
    const pick = <T extends Float32Array | Int32Array>(src: T, d: number, make: (n: number) => T): T => {
      const o = make(b * nFrag * d);
      rows.forEach((p, i) => o.set(src.subarray(p * nFrag * d, (p + 1) * nFrag * d), i * nFrag * d));
      return o;
    };
    const c = pick(content, dc, (n) => new Float32Array(n));
    const cb = z.codebook.data as Float32Array;
    const a = pick(atoms, 1, (n) => new Int32Array(n));
    const q = new Float32Array(b * nFrag * dc);
    a.forEach((k, i) => q.set(cb.subarray(k * dc, (k + 1) * dc), i * dc));
    return {
      content: tf.tensor3d(c, [b, nFrag, dc]), contentQuantized: tf.tensor3d(q, [b, nFrag, dc]),
      style: tf.tensor3d(pick(style, ds, (n) => new Float32Array(n)), [b, nFrag, ds]), atoms: tf.tensor2d(a, [b, nFrag], 'int32'),
    };
  },
  forward: () => { throw new Error('replayed codes cannot be trained'); },
  trainableVariables: () => [],
} as unknown as ContentStyleModel & Model;

const scores = await scoreWith(await scratchParts(base, overrides, ['retrieval', 'codebook', 'neighbours']), replay);
writeFileSync(out, JSON.stringify({ codes: codesFile, scores }, null, 2));
console.log(headline(scores));
