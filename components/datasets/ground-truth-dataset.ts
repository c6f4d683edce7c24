/**
 * The one GroundTruthDataset implementation: a factor grid plus an ImageSource. Procedural
 * generators and file loaders differ only in the source they hand it and in their fingerprint.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../framework/util/rng.ts';
import { UntangleError } from '../../framework/util/errors.ts';
import { FactorGrid } from './grid.ts';
import { gatherUint8, type ImageSource } from './image-source.ts';
import type { Batch, DatasetFingerprint, GroundTruthDataset } from '../../framework/contracts/index.ts';

export interface GroundTruthImagesOptions {
  name: string;
  factorNames: readonly string[];
  factorSizes: readonly number[];
  source: ImageSource;
  /** Computed on the first call only (file loaders hash whole files). */
  fingerprint: () => DatasetFingerprint;
}

export class GroundTruthImages implements GroundTruthDataset {
  readonly name: string;
  readonly factorNames: readonly string[];
  readonly factorSizes: readonly number[];
  readonly grid: FactorGrid;
  readonly source: ImageSource;
  readonly elementSpec: Record<string, number[]>;
  private readonly fingerprintFn: () => DatasetFingerprint;
  private fingerprintMemo: DatasetFingerprint | null = null;
  /** uint8 → float32 lookup, so conversion is one table read per pixel. */
  private readonly toFloat: Float32Array;

  constructor(opts: GroundTruthImagesOptions) {
    if (opts.factorNames.length !== opts.factorSizes.length) {
      throw new UntangleError('dataset_bad_factors', 'factorNames and factorSizes differ in length', { factorNames: opts.factorNames, factorSizes: opts.factorSizes });
    }
    this.name = opts.name;
    this.factorNames = [...opts.factorNames];
    this.grid = new FactorGrid(opts.factorSizes);
    this.factorSizes = this.grid.sizes;
    this.source = opts.source;
    if (opts.source.count !== this.grid.count) {
      throw new UntangleError('dataset_count_mismatch', `${opts.name}: ${opts.source.count} images, but the factor sizes [${opts.factorSizes.join(', ')}] describe ${this.grid.count}`,
        { images: opts.source.count, gridSize: this.grid.count, factorSizes: opts.factorSizes },
        'a file holding a subset of the grid needs the `factor_sizes` param that describes it');
    }
    this.elementSpec = { x: [...opts.source.shape], factors: [this.grid.numFactors] };
    this.fingerprintFn = opts.fingerprint;
    this.toFloat = new Float32Array(256);
    for (let v = 0; v < 256; v++) this.toFloat[v] = Math.min(1, v / opts.source.maxValue);
  }

  get size(): number {
    return this.grid.count;
  }

  /** `{ x: float32 [B,H,W,C] in [0,1], factors: int32 [B,numFactors] }`. */
  batch(indices: ArrayLike<number>): Batch {
    return { x: this.imagesAt(indices), factors: tf.tensor2d(this.grid.indexToFactors(indices), [indices.length, this.grid.numFactors], 'int32') };
  }

  observationsFromFactors(factors: Int32Array, n: number): tf.Tensor {
    return this.imagesAt(this.grid.factorsToIndex(factors, n));
  }

  sampleFactors(n: number, rng: Rng): Int32Array {
    return this.grid.sampleFactors(n, rng);
  }

  indexToFactors(indices: ArrayLike<number>): Int32Array {
    return this.grid.indexToFactors(indices);
  }

  factorsToIndex(factors: Int32Array, n: number): Int32Array {
    return this.grid.factorsToIndex(factors, n);
  }

  /** The raw uint8 images [B,H,W,C] (what caches store and tests hash). */
  uint8At(indices: ArrayLike<number>): Uint8Array {
    return gatherUint8(this.source, indices);
  }

  fingerprint(): DatasetFingerprint {
    this.fingerprintMemo ??= this.fingerprintFn();
    return { ...this.fingerprintMemo };
  }

  private imagesAt(indices: ArrayLike<number>): tf.Tensor {
    const u8 = gatherUint8(this.source, indices);
    const f = new Float32Array(u8.length);
    const lut = this.toFloat;
    for (let i = 0; i < u8.length; i++) f[i] = lut[u8[i]];
    return tf.tensor4d(f, [indices.length, ...this.source.shape] as [number, number, number, number], 'float32');
  }
}
