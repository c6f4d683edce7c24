import * as tf from '@tensorflow/tfjs-core';
import type { Batch, DatasetFingerprint, GroundTruthDataset } from '../../../framework/contracts/index.ts';
import type { Rng } from '../../../framework/util/rng.ts';
import { sha256 } from '../../../framework/util/hash.ts';
import { FactorGrid } from './grid-factors.ts';

/**
 * A procedural sequence data set whose examples are the cells of a factor grid, some factors
 * static (fixed over the sequence) and the others dynamic. Subclasses render one sequence from a
 * factor row; this base turns indices into batches
 * `{ x: [B, T, ...frame], static: int32 [B, S], dynamic: int32 [B, D], factors: int32 [B, S+D], index: int32 [B], sequence: int32 [B] }`
 * (`sequence` names the sequence an example belongs to: FHVAE's per-sequence prior is keyed by it).
 * It is also a GroundTruthDataset over the whole grid, so the factor-based metric suite applies to
 * a model's static codes.
 */
export abstract class GridSequenceDataset implements GroundTruthDataset {
  readonly grid: FactorGrid;
  readonly size: number;
  abstract readonly elementSpec: Record<string, number[]>;

  constructor(
    readonly factorNames: readonly string[],
    readonly factorSizes: readonly number[],
    /** Which factor columns are static (the rest are dynamic). */
    readonly staticColumns: readonly number[],
    private readonly version: string,
  ) {
    this.grid = new FactorGrid(factorSizes);
    this.size = this.grid.size;
  }

  get dynamicColumns(): number[] {
    return this.factorSizes.map((_, i) => i).filter((i) => !this.staticColumns.includes(i));
  }

  /** Floats of one sequence `[T, ...frame]` for a factor row. */
  abstract renderSequence(factors: Int32Array): Float32Array;
  /** `[T, ...frame]`. */
  abstract get sequenceShape(): number[];

  sampleFactors(n: number, rng: Rng): Int32Array {
    return this.grid.sample(n, rng);
  }
  indexToFactors(indices: ArrayLike<number>): Int32Array {
    return this.grid.indexToFactors(indices);
  }
  factorsToIndex(factors: Int32Array, n: number): Int32Array {
    return this.grid.factorsToIndex(factors, n);
  }

  observationsFromFactors(factors: Int32Array, n: number): tf.Tensor {
    const shape = this.sequenceShape;
    const per = shape.reduce((a, b) => a * b, 1);
    const k = this.factorSizes.length;
    const out = new Float32Array(n * per);
    for (let i = 0; i < n; i++) out.set(this.renderSequence(factors.subarray(i * k, (i + 1) * k)), i * per);
    return tf.tensor(out, [n, ...shape], 'float32');
  }

  batch(indices: ArrayLike<number>): Batch {
    const n = indices.length;
    const f = this.indexToFactors(indices);
    return {
      x: this.observationsFromFactors(f, n),
      static: tf.tensor2d(this.grid.columns(f, n, this.staticColumns), [n, this.staticColumns.length], 'int32'),
      dynamic: this.dynamicLabels(f, n),
      factors: tf.tensor2d(f, [n, this.factorSizes.length], 'int32'),
      index: tf.tensor1d(Int32Array.from(indices), 'int32'),
      sequence: tf.tensor1d(Int32Array.from(indices), 'int32'),
    };
  }

  /** Dynamic labels `[n, D]` (constant over time); data sets with per-frame labels return `[n, T, D]`. */
  protected dynamicLabels(f: Int32Array, n: number): tf.Tensor {
    const dyn = this.dynamicColumns;
    return tf.tensor2d(this.grid.columns(f, n, dyn), [n, dyn.length], 'int32');
  }

  fingerprint(): DatasetFingerprint {
    const name = this.constructor.name.toLowerCase();
    const manifest = JSON.stringify({ name, version: this.version, sizes: this.factorSizes, shape: this.sequenceShape });
    return { name, digest: sha256(manifest), source: `procedural:${name}-${this.version}` };
  }
}
