import { Rng, deriveSeed } from '../util/rng.ts';

/**
 * Which examples each step sees. Epoch e uses a permutation seeded by (seed, e), so the batch of
 * any step is a pure function of the seed and the step: a resumed run sees exactly the batches the
 * uninterrupted run would have. The last incomplete batch of an epoch is dropped, which keeps
 * tensor shapes constant (and kernels cached) from step to step.
 */
export class BatchPlan {
  readonly stepsPerEpoch: number;
  private cachedEpoch = -1;
  private perm: Int32Array | null = null;

  constructor(private readonly size: number, readonly batchSize: number, private readonly shuffle: boolean, private readonly seed: number) {
    this.stepsPerEpoch = Math.max(1, Math.floor(size / batchSize));
  }

  epochOf(step: number): number {
    return Math.floor(step / this.stepsPerEpoch);
  }

  indicesFor(step: number): Int32Array {
    const epoch = this.epochOf(step);
    const pos = step % this.stepsPerEpoch;
    const out = new Int32Array(this.batchSize);
    if (!this.shuffle) {
      for (let i = 0; i < this.batchSize; i++) out[i] = (pos * this.batchSize + i) % this.size;
      return out;
    }
    if (epoch !== this.cachedEpoch) {
      this.perm = new Rng(deriveSeed(this.seed, `epoch/${epoch}`)).permutation(this.size);
      this.cachedEpoch = epoch;
    }
    for (let i = 0; i < this.batchSize; i++) out[i] = this.perm![(pos * this.batchSize + i) % this.size];
    return out;
  }
}
