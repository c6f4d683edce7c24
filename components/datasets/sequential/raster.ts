/**
 * A tiny RGB rasteriser for procedural data: filled rectangles, ellipses and thick line segments
 * drawn into a float32 HWC frame. Deterministic integer-centre sampling, no anti-aliasing, so a
 * frame's pixels are an exact function of its shapes.
 */
export type Rgb = readonly [number, number, number];

export class Frame {
  readonly data: Float32Array;

  constructor(readonly width: number, readonly height: number, readonly channels: 1 | 3, data?: Float32Array) {
    this.data = data ?? new Float32Array(width * height * channels);
  }

  private set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * this.channels;
    if (this.channels === 1) this.data[o] = (c[0] + c[1] + c[2]) / 3;
    else { this.data[o] = c[0]; this.data[o + 1] = c[1]; this.data[o + 2] = c[2]; }
  }

  /** Axis-aligned rectangle covering pixel centres in [x0, x1) × [y0, y1). */
  rect(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    for (let y = Math.max(0, Math.ceil(y0 - 0.5)); y < Math.min(this.height, Math.ceil(y1 - 0.5)); y++) {
      for (let x = Math.max(0, Math.ceil(x0 - 0.5)); x < Math.min(this.width, Math.ceil(x1 - 0.5)); x++) this.set(x, y, c);
    }
  }

  /** Filled ellipse with centre (cx, cy) and radii (rx, ry). */
  ellipse(cx: number, cy: number, rx: number, ry: number, c: Rgb): void {
    for (let y = Math.floor(cy - ry); y <= Math.ceil(cy + ry); y++) {
      for (let x = Math.floor(cx - rx); x <= Math.ceil(cx + rx); x++) {
        const dx = (x + 0.5 - cx) / rx;
        const dy = (y + 0.5 - cy) / ry;
        if (dx * dx + dy * dy <= 1) this.set(x, y, c);
      }
    }
  }

  /** A capsule: every pixel centre within `r` of the segment (x0, y0)–(x1, y1). */
  line(x0: number, y0: number, x1: number, y1: number, r: number, c: Rgb): void {
    const vx = x1 - x0;
    const vy = y1 - y0;
    const len2 = vx * vx + vy * vy || 1;
    for (let y = Math.floor(Math.min(y0, y1) - r); y <= Math.ceil(Math.max(y0, y1) + r); y++) {
      for (let x = Math.floor(Math.min(x0, x1) - r); x <= Math.ceil(Math.max(x0, x1) + r); x++) {
        const px = x + 0.5 - x0;
        const py = y + 0.5 - y0;
        const t = Math.max(0, Math.min(1, (px * vx + py * vy) / len2));
        const dx = px - t * vx;
        const dy = py - t * vy;
        if (dx * dx + dy * dy <= r * r) this.set(x, y, c);
      }
    }
  }
}
