import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Dataset, Model } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';

/**
 * Codes of a content/style model (V3's CSAE) for a batch of fragment sequences `[B, n, ...]`:
 * - `content`: the continuous content code before quantisation `[B, n, dc]` (what the upstream's
 *   retrieval and t-SNE use, `emb_c`);
 * - `contentQuantized`: the codebook atom it snapped to `[B, n, dc]`;
 * - `style`: the style code `[B, n, ds]`;
 * - `atoms`: the atom index of each fragment, int32 `[B, n]`.
 */
export interface ContentStyleCodes {
  content: tf.Tensor3D;
  contentQuantized: tf.Tensor3D;
  style: tf.Tensor3D;
  atoms: tf.Tensor2D;
}

/**
 * What the content/style metrics (retrieval, codebook, t-SNE, OOD) need from a model. A model
 * implements it beside `Model`; the metrics check it with `isContentStyleModel`.
 *
 * The data set's batches carry the labels: `x` `[B, n, ...]`, `content` int32 `[B, n]` (the
 * fragment's content class: digit, note, action × direction) and `style` int32 `[B]` or `[B, n]`
 * (colour, instrument, character).
 */
export interface ContentStyleModel extends Model {
  /** Number of codebook atoms (rows of `codebook()`). */
  readonly nAtoms: number;
  /** Deterministic (eval-mode) codes of every fragment. */
  encodeFragments(x: tf.Tensor): ContentStyleCodes;
  /** The content codebook `[nAtoms, dc]`. */
  codebook(): tf.Tensor2D;
  /**
   * Freeze (or thaw) the codebook: no EMA update, no k-means init, no dead-code restart, and its
   * variables out of `trainableVariables()`. Needed by few-shot OOD adaptation only.
   */
  setCodebookFrozen?(frozen: boolean): void;
}

export function isContentStyleModel(m: unknown): m is ContentStyleModel {
  return m !== null && typeof m === 'object' && typeof (m as ContentStyleModel).encodeFragments === 'function'
    && typeof (m as ContentStyleModel).codebook === 'function';
}

export function requireContentStyleModel(m: Model, metric: string): ContentStyleModel {
  if (!isContentStyleModel(m)) {
    throw new UntangleError('content_style.model', `${metric} needs a content/style model; ${m.constructor.name} has no encodeFragments/codebook`, { metric },
      'use untangle.models.CSAE, or implement ContentStyleModel (components/metrics/content-style/model.ts)');
  }
  return m;
}

/** Every fragment's codes and labels, flattened over (sample, fragment), row-major. */
export interface FragmentCodes {
  /** Number of fragments (samples × n). */
  n: number;
  /** Fragments per sample. */
  fragments: number;
  dc: number;
  ds: number;
  content: Float32Array;
  contentQuantized: Float32Array;
  style: Float32Array;
  atoms: Int32Array;
  contentLabels: Int32Array;
  styleLabels: Int32Array;
}

function labelsOf(batch: Batch, key: 'content' | 'style', b: number, n: number): Int32Array {
  const t = batch[key];
  if (!t) throw new UntangleError('content_style.labels', `the data set's batches have no \`${key}\` labels`, { keys: Object.keys(batch) }, 'content/style data sets give `content` [B, n] and `style` [B] or [B, n]');
  const v = Int32Array.from(t.dataSync());
  if (v.length === b * n) return v;
  if (v.length === b) {
    // A per-sample label (the style of one page) applies to each of its fragments.
    const out = new Int32Array(b * n);
    for (let i = 0; i < b; i++) out.fill(v[i], i * n, (i + 1) * n);
    return out;
  }
  throw new UntangleError('content_style.labels', `\`${key}\` labels have shape [${t.shape.join(', ')}]; expected [${b}] or [${b}, ${n}]`, { key, shape: t.shape });
}

/**
 * Runs the model over the examples `indices` of `dataset` (in batches of `batchSize`) and gathers
 * codes and labels. The upstream evaluates every fragment of every test sample; callers cap the
 * count by choosing `indices`.
 */
export function collectFragmentCodes(model: ContentStyleModel, dataset: Dataset, indices: ArrayLike<number>, batchSize: number): FragmentCodes {
  const parts: { c: Float32Array; q: Float32Array; s: Float32Array; a: Int32Array; cl: Int32Array; sl: Int32Array }[] = [];
  let fragments = 0, dc = 0, ds = 0;
  for (let s = 0; s < indices.length; s += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, indices.length - s) }, (_, i) => indices[s + i]);
    const batch = dataset.batch(idx);
    try {
      const codes = model.encodeFragments(batch.x);
      const [b, n] = codes.content.shape;
      fragments = n; dc = codes.content.shape[2]; ds = codes.style.shape[2];
      parts.push({
        c: codes.content.dataSync() as Float32Array,
        q: codes.contentQuantized.dataSync() as Float32Array,
        s: codes.style.dataSync() as Float32Array,
        a: Int32Array.from(codes.atoms.dataSync()),
        cl: labelsOf(batch, 'content', b, n),
        sl: labelsOf(batch, 'style', b, n),
      });
      tf.dispose([codes.content, codes.contentQuantized, codes.style, codes.atoms]);
    } finally {
      tf.dispose(Object.values(batch));
    }
  }
  const cat = <T extends Float32Array | Int32Array>(arrs: T[], make: (n: number) => T): T => {
    const out = make(arrs.reduce((k, a) => k + a.length, 0));
    let o = 0;
    for (const a of arrs) { out.set(a, o); o += a.length; }
    return out;
  };
  const f32 = (n: number) => new Float32Array(n), i32 = (n: number) => new Int32Array(n);
  const atoms = cat(parts.map((p) => p.a), i32);
  return {
    n: atoms.length, fragments, dc, ds,
    content: cat(parts.map((p) => p.c), f32),
    contentQuantized: cat(parts.map((p) => p.q), f32),
    style: cat(parts.map((p) => p.s), f32),
    atoms,
    contentLabels: cat(parts.map((p) => p.cl), i32),
    styleLabels: cat(parts.map((p) => p.sl), i32),
  };
}
