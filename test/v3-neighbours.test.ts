import { describe, expect, it } from 'vitest';
import { neighbourBreakdown } from '../components/metrics/content-style/neighbours.ts';

describe('content/style nearest-neighbour breakdown', () => {
  it('a hand-worked 1-D case: five samples of two fragments, three styles', () => {
    // sample:      0       1        2           3            4
    // style:       0       0        1           1            2
    // content:    0  1    0  1     0   1      1     0       1   0
    const codes = Float32Array.from([0, 10, 1, 11, 100, 103, 101.5, 101, 12, 50]);
    const sample = Int32Array.from([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    const content = Int32Array.from([0, 1, 0, 1, 0, 1, 1, 0, 1, 0]);
    const style = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
    const b = neighbourBreakdown(codes, 1, sample, content, style);
    // 0→1 (1), 10→11 (1), 1→0, 11→10 (tie with 12 at distance 1: the lower index): other sample, same style and content.
    // 100→101 and 103→101.5: the same. 101.5→101 and 101→101.5: same sample. 50→12 (38): same sample.
    // 12→11 (1): another style, same content.
    expect(b.same_sample).toBeCloseTo(3 / 10, 12);
    expect(b.other_sample_same_style_same_content).toBeCloseTo(6 / 10, 12);
    expect(b.other_sample_same_style_other_content).toBe(0);
    expect(b.other_style_same_content).toBeCloseTo(1 / 10, 12);
    expect(b.other_style_other_content).toBe(0);
    // Within samples: 10, 10, 3, 0.5, 38 → 12.3. Same style, other sample: (1 + 11 + 9 + 1 + 1.5 + 1 + 1.5 + 2)/8 = 3.5.
    expect(b.dist_same_sample).toBeCloseTo(12.3, 5);
    expect(b.dist_same_style_other_sample).toBeCloseTo(3.5, 5);
    // Other styles: the 32 cross-style pairs sum to 2301.
    expect(b.dist_other_style).toBeCloseTo(2301 / 32, 4);
  });

  it('precision@1 decomposes: same-content kinds sum to content p@1, same-style kinds to style p@1', () => {
    // Two samples of style 0 and 1; the codes put each fragment next to the same content of the other sample.
    const codes = Float32Array.from([0, 0, 5, 0, 0.1, 0, 5.1, 0]);
    const b = neighbourBreakdown(codes, 2, Int32Array.from([0, 0, 1, 1]), Int32Array.from([0, 1, 0, 1]), Int32Array.from([0, 0, 1, 1]));
    expect(b.other_style_same_content).toBe(1);
    expect(b.same_sample + b.other_sample_same_style_same_content + b.other_sample_same_style_other_content).toBe(0);
  });
});
