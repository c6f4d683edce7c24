/**
 * EDM preconditioning (Karras et al. 2022, Table 1), σ_data a parameter: the upstream fixed it
 * at 0.5 even for z-scored series of std 1 (bug 12).
 *   c_skip = σ_d²/(σ²+σ_d²), c_out = σσ_d/√(σ²+σ_d²), c_in = 1/√(σ²+σ_d²), c_noise = ln σ / 4,
 *   λ(σ) = (σ²+σ_d²)/(σσ_d)²  (= 1/c_out², so every σ contributes unit-variance targets).
 */
export interface EdmCoefficients {
  cSkip: number;
  cOut: number;
  cIn: number;
  cNoise: number;
  weight: number;
}

export function edmCoefficients(sigma: number, sigmaData: number): EdmCoefficients {
  const s2 = sigma * sigma, d2 = sigmaData * sigmaData;
  return {
    cSkip: d2 / (s2 + d2),
    cOut: (sigma * sigmaData) / Math.sqrt(s2 + d2),
    cIn: 1 / Math.sqrt(s2 + d2),
    cNoise: Math.log(sigma) / 4,
    weight: (s2 + d2) / (s2 * d2),
  };
}

/** The coefficients of many σ at once, as Float32Arrays for tensors. */
export function edmCoefficientArrays(sigmas: ArrayLike<number>, sigmaData: number): Record<keyof EdmCoefficients, Float32Array> {
  const n = sigmas.length;
  const out = { cSkip: new Float32Array(n), cOut: new Float32Array(n), cIn: new Float32Array(n), cNoise: new Float32Array(n), weight: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    const c = edmCoefficients(sigmas[i], sigmaData);
    out.cSkip[i] = c.cSkip; out.cOut[i] = c.cOut; out.cIn[i] = c.cIn; out.cNoise[i] = c.cNoise; out.weight[i] = c.weight;
  }
  return out;
}
