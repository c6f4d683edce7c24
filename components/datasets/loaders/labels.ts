/**
 * Checks that a file's own labels agree with the C-order grid the loader assumes, so a file in a
 * different order (or a subset described by wrong `factor_sizes`) fails loudly instead of
 * pairing images with the wrong factors.
 */
import { UntangleError } from '../../../framework/util/errors.ts';
import type { FactorGrid } from '../grid.ts';

/**
 * `values` is row-major [count, k] (class indices, or raw factor values such as Shapes3D's float
 * labels); each column is ranked by its sorted distinct values, and the rank must equal the grid's
 * factor value of that row. `columns` picks and orders the label columns that map to grid factors.
 */
export function checkLabelsMatchGrid(values: Float64Array, k: number, grid: FactorGrid, what: string, columns?: readonly number[]): void {
  const cols = columns ?? Array.from({ length: k }, (_, i) => i);
  if (cols.length !== grid.numFactors) {
    throw new UntangleError('dataset_label_columns', `${what}: labels have ${cols.length} usable columns, the grid ${grid.numFactors} factors`, { columns: cols.length, factors: grid.numFactors });
  }
  const n = values.length / k;
  if (n !== grid.count) {
    throw new UntangleError('dataset_count_mismatch', `${what}: ${n} label rows for a grid of ${grid.count}`, { rows: n, gridSize: grid.count }, 'pass `factor_sizes` describing the file');
  }
  const ranks = cols.map((c) => {
    const distinct = new Set<number>();
    for (let r = 0; r < n; r++) distinct.add(values[r * k + c]);
    const sorted = [...distinct].sort((a, b) => a - b);
    return new Map(sorted.map((v, i) => [v, i]));
  });
  ranks.forEach((m, i) => {
    if (m.size !== grid.sizes[i]) {
      throw new UntangleError('dataset_label_sizes', `${what}: label column ${cols[i]} has ${m.size} distinct values, factor ${i} has size ${grid.sizes[i]}`, { column: cols[i], distinct: m.size, size: grid.sizes[i] }, 'pass `factor_sizes` describing the file');
    }
  });
  const idx = new Array<number>(1);
  for (let r = 0; r < n; r++) {
    idx[0] = r;
    const f = grid.indexToFactors(idx);
    for (let i = 0; i < cols.length; i++) {
      const rank = ranks[i].get(values[r * k + cols[i]]);
      if (rank !== f[i]) {
        throw new UntangleError('dataset_label_order', `${what}: row ${r} is labelled factor ${i} = ${rank}, but C order puts ${f[i]} there`, { row: r, factor: i, label: rank, expected: f[i] }, 'the loader expects images in C order of the factors (last factor fastest)');
      }
    }
  }
}
