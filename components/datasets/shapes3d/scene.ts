/**
 * The Shapes3D scene, ray-cast once per (scale, shape, orientation): a floor (y = 0), a back
 * wall (z = WALL_Z) and one object standing at the origin, seen by a camera that orbits the
 * vertical axis by the orientation angle (as the real set's camera azimuth does).
 *
 * Colour does not enter the ray cast: for every pixel the cast records how much of the pixel
 * (2×2 supersamples) shows floor, wall and object, each weighted by its Lambert shading and the
 * object's shadow. A pixel's colour is then Σ weight · hue colour, so changing a hue costs one
 * multiply-add per channel and the cast is shared by all 1000 hue combinations.
 */

export const SHAPES3D_SHAPES = ['cube', 'cylinder', 'sphere', 'capsule'] as const;

const RES = 64;
const SUPER = 2;
const WALL_Z = 2.6;
/** Object size unit: a sphere of scale 1 has radius UNIT. */
const UNIT = 0.62;
const CAMERA = { distance: 5.2, height: 2.1, targetY: 0.55, fovDeg: 52 };
const LIGHT = normalize([-0.45, 1.0, -0.7]);
const AMBIENT = 0.45;
const DIFFUSE = 0.55;

type Vec = [number, number, number];

function normalize(v: Vec): Vec {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

function cross(a: Vec, b: Vec): Vec {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** Nearest hit of a ray with the object: distance t (Infinity for none) and unit normal. */
interface Hit { t: number; nx: number; ny: number; nz: number }

const EPS = 1e-6;

/** The object's geometry for one shape and scale, as a ray-intersection function. */
type Intersector = (ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, hit: Hit) => void;

function sphereHit(cx: number, cy: number, cz: number, r: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, hit: Hit): void {
  const px = ox - cx, py = oy - cy, pz = oz - cz;
  const b = px * dx + py * dy + pz * dz;
  const c = px * px + py * py + pz * pz - r * r;
  const disc = b * b - c;
  if (disc < 0) return;
  const t = -b - Math.sqrt(disc);
  if (t > EPS && t < hit.t) {
    hit.t = t;
    hit.nx = (px + t * dx) / r; hit.ny = (py + t * dy) / r; hit.nz = (pz + t * dz) / r;
  }
}

function cubeHit(h: number): Intersector {
  // Axis-aligned box [-h, h] × [0, 2h] × [-h, h] (slab method).
  const lo: Vec = [-h, 0, -h];
  const hi: Vec = [h, 2 * h, h];
  return (ox, oy, oz, dx, dy, dz, hit) => {
    const o = [ox, oy, oz], d = [dx, dy, dz];
    let tmin = -Infinity, tmax = Infinity, axis = -1, sign = 0;
    for (let a = 0; a < 3; a++) {
      if (Math.abs(d[a]) < 1e-12) {
        if (o[a] < lo[a] || o[a] > hi[a]) return;
        continue;
      }
      let t1 = (lo[a] - o[a]) / d[a], t2 = (hi[a] - o[a]) / d[a];
      let s = -1;
      if (t1 > t2) { const tmp = t1; t1 = t2; t2 = tmp; s = 1; }
      if (t1 > tmin) { tmin = t1; axis = a; sign = s; }
      if (t2 < tmax) tmax = t2;
      if (tmin > tmax) return;
    }
    if (tmin > EPS && tmin < hit.t && axis >= 0) {
      hit.t = tmin;
      hit.nx = axis === 0 ? sign : 0; hit.ny = axis === 1 ? sign : 0; hit.nz = axis === 2 ? sign : 0;
    }
  };
}

function cylinderHit(r: number, height: number): Intersector {
  // Vertical axis through the origin, y in [0, height], with a top cap.
  return (ox, oy, oz, dx, dy, dz, hit) => {
    const a = dx * dx + dz * dz;
    if (a > 1e-12) {
      const b = ox * dx + oz * dz;
      const c = ox * ox + oz * oz - r * r;
      const disc = b * b - a * c;
      if (disc >= 0) {
        const t = (-b - Math.sqrt(disc)) / a;
        const y = oy + t * dy;
        if (t > EPS && t < hit.t && y >= 0 && y <= height) {
          hit.t = t;
          hit.nx = (ox + t * dx) / r; hit.ny = 0; hit.nz = (oz + t * dz) / r;
        }
      }
    }
    if (Math.abs(dy) > 1e-12) {
      const t = (height - oy) / dy;
      const x = ox + t * dx, z = oz + t * dz;
      if (t > EPS && t < hit.t && x * x + z * z <= r * r) {
        hit.t = t;
        hit.nx = 0; hit.ny = 1; hit.nz = 0;
      }
    }
  };
}

function capsuleHit(r: number, halfLength: number): Intersector {
  // A pill lying on the floor along x: segment (±halfLength, r, 0), radius r.
  return (ox, oy, oz, dx, dy, dz, hit) => {
    const py = oy - r;
    const a = dy * dy + dz * dz;
    if (a > 1e-12) {
      const b = py * dy + oz * dz;
      const c = py * py + oz * oz - r * r;
      const disc = b * b - a * c;
      if (disc >= 0) {
        const t = (-b - Math.sqrt(disc)) / a;
        const x = ox + t * dx;
        if (t > EPS && t < hit.t && x >= -halfLength && x <= halfLength) {
          hit.t = t;
          hit.nx = 0; hit.ny = (py + t * dy) / r; hit.nz = (oz + t * dz) / r;
        }
      }
    }
    sphereHit(-halfLength, r, 0, r, ox, oy, oz, dx, dy, dz, hit);
    sphereHit(halfLength, r, 0, r, ox, oy, oz, dx, dy, dz, hit);
  };
}

/** Geometry of each shape at a scale; sizes chosen so the four shapes look comparably large. */
export function objectIntersector(shape: number, scale: number): Intersector {
  const u = UNIT * scale;
  switch (shape) {
    case 0: return cubeHit(0.82 * u);
    case 1: return cylinderHit(0.85 * u, 1.7 * u);
    case 2: return (ox, oy, oz, dx, dy, dz, hit) => sphereHit(0, u, 0, u, ox, oy, oz, dx, dy, dz, hit);
    default: return capsuleHit(0.7 * u, 0.75 * u);
  }
}

/**
 * Per-pixel weights [RES·RES·3] (floor, wall, object) for one (shape, scale, orientation°):
 * coverage × shading, averaged over the supersamples.
 */
export function castScene(shape: number, scale: number, orientationDeg: number): Float32Array {
  const phi = (orientationDeg * Math.PI) / 180;
  const cam: Vec = [CAMERA.distance * Math.sin(phi), CAMERA.height, -CAMERA.distance * Math.cos(phi)];
  const fwd = normalize([-cam[0], CAMERA.targetY - cam[1], -cam[2]]);
  const right = normalize(cross(fwd, [0, 1, 0]));
  const up = cross(right, fwd);
  const tanHalf = Math.tan((CAMERA.fovDeg * Math.PI) / 360);
  const obj = objectIntersector(shape, scale);
  const weights = new Float32Array(RES * RES * 3);
  const hit: Hit = { t: Infinity, nx: 0, ny: 0, nz: 0 };
  const shadowHit: Hit = { t: Infinity, nx: 0, ny: 0, nz: 0 };
  const floorLight = AMBIENT + DIFFUSE * Math.max(0, LIGHT[1]);
  const wallLight = AMBIENT + DIFFUSE * Math.max(0, -LIGHT[2]);
  const share = 1 / (SUPER * SUPER);
  for (let row = 0; row < RES; row++) {
    for (let col = 0; col < RES; col++) {
      const w = (row * RES + col) * 3;
      for (let sy = 0; sy < SUPER; sy++) {
        for (let sx = 0; sx < SUPER; sx++) {
          // cross(fwd, worldUp) is the camera's right; image rows grow downwards, against `up`.
          const nx = ((col + (sx + 0.5) / SUPER) / RES) * 2 - 1;
          const ny = ((row + (sy + 0.5) / SUPER) / RES) * 2 - 1;
          const d = normalize([
            fwd[0] + nx * tanHalf * right[0] - ny * tanHalf * up[0],
            fwd[1] + nx * tanHalf * right[1] - ny * tanHalf * up[1],
            fwd[2] + nx * tanHalf * right[2] - ny * tanHalf * up[2],
          ]);
          hit.t = Infinity;
          obj(cam[0], cam[1], cam[2], d[0], d[1], d[2], hit);
          const tFloor = d[1] < 0 ? -cam[1] / d[1] : Infinity;
          const tWall = d[2] > 0 ? (WALL_Z - cam[2]) / d[2] : Infinity;
          if (hit.t < tFloor && hit.t < tWall) {
            const lambert = Math.max(0, hit.nx * LIGHT[0] + hit.ny * LIGHT[1] + hit.nz * LIGHT[2]);
            weights[w + 2] += share * (AMBIENT + DIFFUSE * lambert);
            continue;
          }
          const onFloor = tFloor < tWall;
          const t = onFloor ? tFloor : tWall;
          const px = cam[0] + t * d[0], py = cam[1] + t * d[1], pz = cam[2] + t * d[2];
          shadowHit.t = Infinity;
          obj(px, py + 1e-4, pz, LIGHT[0], LIGHT[1], LIGHT[2], shadowHit);
          const lit = shadowHit.t === Infinity ? (onFloor ? floorLight : wallLight) : AMBIENT;
          weights[w + (onFloor ? 0 : 1)] += share * lit;
        }
      }
    }
  }
  return weights;
}

/** HSV (s = v = 1) → RGB in [0, 1]. */
export function hueToRgb(h: number): Vec {
  const k = (n: number): number => {
    const x = (n + h * 6) % 6;
    return 1 - Math.max(0, Math.min(x, 4 - x, 1));
  };
  return [k(5), k(3), k(1)];
}
