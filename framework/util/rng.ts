import { createHash } from 'node:crypto';

/**
 * A seedable, serialisable PRNG (xoshiro128**, seeded through splitmix32).
 *
 * tfjs has no global seed and each backend draws random numbers differently, so untangle draws
 * every random number in JS from this generator and uploads it. The same seed then gives the same
 * noise on every backend, and the whole state fits in a checkpoint.
 */
export interface RngState {
  s: [number, number, number, number];
  spare: number | null;
}

export class Rng {
  private s: Uint32Array;
  private spare: number | null = null;

  constructor(seed: number) {
    this.s = new Uint32Array(4);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.s.set(state.s);
    r.spare = state.spare;
    return r;
  }

  state(): RngState {
    return { s: [this.s[0], this.s[1], this.s[2], this.s[3]], spare: this.spare };
  }

  /**
   * Continues from the four xoshiro128** words `s` (as uint32 or their int32 bit patterns), keeping
   * the cached normal: for a generator advanced elsewhere (a backend's mask kernel) by whole draws.
   */
  continueFrom(s: ArrayLike<number>): void {
    for (let i = 0; i < 4; i++) this.s[i] = s[i] >>> 0;
  }

  /** A new independent generator, derived from this one's next outputs. */
  fork(): Rng {
    return new Rng(this.nextU32() ^ Math.imul(this.nextU32(), 0x27d4eb2d));
  }

  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 bits of precision. */
  uniform(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (n <= 0 || !Number.isFinite(n)) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller; the second value is kept for the next call and checkpointed). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u <= Number.MIN_VALUE) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  fillUniform(out: Float32Array, lo = 0, hi = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /**
   * out[i] = (uniform() >= p ? keep : 0) for every i: exactly the draws of `out.length` calls to
   * `uniform()`, with the state held in locals for the whole loop (a dropout mask is millions of
   * draws a step; through `nextU32` and the Uint32Array each costs several times more).
   */
  fillKeepMask(out: Float32Array, p: number, keep: number): Float32Array {
    const st = this.s;
    let s0 = st[0] | 0, s1 = st[1] | 0, s2 = st[2] | 0, s3 = st[3] | 0;
    // uniform() = (hi·2^26 + lo)/2^53 with hi, lo integers, so uniform() >= p exactly when
    // hi·2^26 + lo >= ceil(p·2^53): compare hi against that threshold's high part, then lo.
    const thr = Math.ceil(p * 9007199254740992);
    const thrHi = Math.floor(thr / 67108864), thrLo = thr - thrHi * 67108864;
    for (let i = 0; i < out.length; i++) {
      // Two xoshiro128** outputs, as two nextU32() calls give them (all values kept as uint32).
      let x = Math.imul(s1, 5);
      const hi = Math.imul((x << 7) | (x >>> 25), 9) >>> 5;
      let t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      x = Math.imul(s1, 5);
      const lo = Math.imul((x << 7) | (x >>> 25), 9) >>> 6;
      t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = hi > thrHi || (hi === thrHi && lo >= thrLo) ? keep : 0;
    }
    st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
    return out;
  }

  /** Fisher–Yates permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A component's seed, derived from the root seed and its config path, so that adding a component
 * elsewhere in the tree never shifts another component's randomness.
 */
export function deriveSeed(rootSeed: number, path: string): number {
  const h = createHash('sha256').update(`${rootSeed}/${path}`).digest();
  return h.readUInt32LE(0) >>> 1;
}
