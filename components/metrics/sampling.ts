import type { Rng } from '../../framework/util/rng.ts';
import { UntangleError } from '../../framework/util/errors.ts';
import type { FactorSource, RepresentationFn } from '../../framework/contracts/index.ts';

/** Codes and the factors that generated them, both row-major (n × d and n × f). */
export interface FactorCodeSample {
  n: number;
  d: number;
  f: number;
  codes: Float32Array;
  factors: Int32Array;
}

/** Largest number of rows handed to the representation function in one call. */
const REPRESENT_CHUNK = 4096;

/**
 * Runs the representation function over n factor rows in chunks, checks the output size and infers
 * the code width d. Chunking only groups calls; it never changes which factors are drawn.
 */
export async function representRows(
  represent: RepresentationFn, factors: Int32Array, n: number, f: number,
): Promise<{ codes: Float32Array; d: number }> {
  const parts: Float32Array[] = [];
  let d = -1;
  for (let start = 0; start < n; start += REPRESENT_CHUNK) {
    const m = Math.min(REPRESENT_CHUNK, n - start);
    const out = await represent(factors.subarray(start * f, (start + m) * f), m);
    if (out.length % m !== 0 || out.length === 0 || (d >= 0 && out.length !== m * d)) {
      throw new UntangleError('metric.representation_shape', 'representation function returned an array whose length is not rows × code width',
        { rows: m, length: out.length, expected_width: d >= 0 ? d : undefined },
        'return a row-major Float32Array of n × d codes, one row per factor row');
    }
    d = out.length / m;
    for (let k = 0; k < out.length; k++) {
      if (!Number.isFinite(out[k])) {
        // The library fails here too (np.histogram / sklearn reject NaN and inf).
        throw new UntangleError('metric.nonfinite_codes', 'the representation contains NaN or infinite values',
          { row: start + Math.floor(k / d), dim: k % d, value: String(out[k]) }, 'check the model or the saved codes');
      }
    }
    parts.push(out);
  }
  if (parts.length === 1) return { codes: parts[0], d };
  const codes = new Float32Array(n * d);
  let o = 0;
  for (const p of parts) {
    codes.set(p, o);
    o += p.length;
  }
  return { codes, d };
}

/**
 * disentanglement_lib's `generate_batch_factor_code`: draws numPoints factor rows in batches of
 * batchSize from the source and maps them to codes. Returns row-major arrays (the library returns
 * them transposed; only the layout differs).
 */
export async function generateBatchFactorCode(
  source: FactorSource, represent: RepresentationFn, numPoints: number, rng: Rng, batchSize: number,
): Promise<FactorCodeSample> {
  checkPositiveInt('num_points', numPoints);
  checkPositiveInt('batch_size', batchSize);
  const f = source.factorSizes.length;
  const factors = new Int32Array(numPoints * f);
  for (let i = 0; i < numPoints; i += batchSize) {
    const m = Math.min(batchSize, numPoints - i);
    const rows = source.sampleFactors(m, rng);
    if (rows.length !== m * f) {
      throw new UntangleError('metric.factor_rows', 'sampleFactors returned the wrong number of values',
        { requested_rows: m, num_factors: f, length: rows.length });
    }
    factors.set(rows, i * f);
  }
  const { codes, d } = await representRows(represent, factors, numPoints, f);
  return { n: numPoints, d, f, codes, factors };
}

export function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) {
    throw new UntangleError('metric.bad_param', `${name} must be a positive integer`, { [name]: v });
  }
}
