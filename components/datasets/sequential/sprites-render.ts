import { Frame, type Rgb } from './raster.ts';

/**
 * The procedural Sprites character (in the spirit of the LPC Sprites benchmark of Li & Mandt 2018):
 * a head with hair, a torso wearing the top, two legs wearing the pants, two arms in skin colour.
 * Static factors pick the four colours; the action sets each limb's angle per frame; the direction
 * sets which way the body faces (front: symmetric, both eyes; left/right: narrow side view, one
 * eye, limbs swinging along x).
 */
export const SKIN: readonly Rgb[] = [
  [0.98, 0.85, 0.72], [0.93, 0.74, 0.58], [0.80, 0.60, 0.42], [0.64, 0.44, 0.28], [0.47, 0.30, 0.18], [0.32, 0.20, 0.12],
];
export const TOP: readonly Rgb[] = [
  [0.85, 0.10, 0.10], [0.10, 0.55, 0.15], [0.12, 0.25, 0.85], [0.95, 0.80, 0.10], [0.60, 0.15, 0.70], [0.10, 0.75, 0.80],
];
export const PANTS: readonly Rgb[] = [
  [0.15, 0.15, 0.45], [0.40, 0.25, 0.10], [0.20, 0.40, 0.20], [0.55, 0.55, 0.55], [0.50, 0.05, 0.20], [0.90, 0.50, 0.10],
];
export const HAIR: readonly Rgb[] = [
  [0.05, 0.05, 0.05], [0.55, 0.30, 0.08], [0.95, 0.85, 0.40], [0.75, 0.20, 0.05], [0.80, 0.80, 0.85], [0.20, 0.70, 0.35],
];
export const ACTIONS = ['walk', 'spellcast', 'slash'] as const;
export const DIRECTIONS = ['front', 'left', 'right'] as const;

const BACKGROUND: Rgb = [1, 1, 1];
const EYE: Rgb = [0, 0, 0];
const WEAPON: Rgb = [0.45, 0.45, 0.5];
const MAGIC: Rgb = [1.0, 0.95, 0.3];

export interface SpriteLook {
  skin: number;
  top: number;
  pants: number;
  hair: number;
  action: number;
  direction: number;
}

interface Pose {
  /** Angles from straight down, radians; positive swings toward the facing side (or outward in front view). */
  armFront: number;
  armBack: number;
  legFront: number;
  legBack: number;
  weapon: boolean;
  magic: number;
}

/** Limb angles of frame t of T for an action: a walk cycle, a rising cast, an overhead slash. */
export function poseAt(action: number, t: number, frames: number): Pose {
  const p = t / frames;
  switch (ACTIONS[action]) {
    case 'walk': {
      const s = 0.55 * Math.sin(2 * Math.PI * p);
      return { armFront: -s, armBack: s, legFront: s, legBack: -s, weapon: false, magic: 0 };
    }
    case 'spellcast': {
      const lift = Math.min(1, (t + 1) / (0.6 * frames));
      const a = 0.2 + 2.4 * lift;
      return { armFront: a, armBack: a, legFront: 0, legBack: 0, weapon: false, magic: lift >= 1 ? 2 + (t % 2) : 0 };
    }
    case 'slash': {
      const a = 2.9 - 2.5 * p;
      return { armFront: a, armBack: 0.15, legFront: 0.25, legBack: -0.25, weapon: true, magic: 0 };
    }
    default: return { armFront: 0, armBack: 0, legFront: 0, legBack: 0, weapon: false, magic: 0 };
  }
}

/** Draws one 64×64 frame of the character into `frame` (which must be 64×64×3). */
export function drawSprite(frame: Frame, look: SpriteLook, t: number, frames: number): void {
  frame.rect(0, 0, frame.width, frame.height, BACKGROUND);
  const skin = SKIN[look.skin];
  const top = TOP[look.top];
  const pants = PANTS[look.pants];
  const hair = HAIR[look.hair];
  const pose = poseAt(look.action, t, frames);
  const dir = DIRECTIONS[look.direction];
  const cx = 32;
  const armLen = 12;
  const legLen = 15;

  if (dir === 'front') {
    // Legs: forward/back swing seen head-on shortens the leg (the foot lifts).
    const legs: [number, number][] = [[28, pose.legBack], [36, pose.legFront]];
    for (const [hx, a] of legs) frame.line(hx, 40, hx + 1.5 * Math.sin(a) * (hx < cx ? -1 : 1), 40 + legLen * Math.cos(a), 2.5, pants);
    frame.rect(25, 22, 39, 41, top);
    // Arms rise sideways; the walk swing shows as a slight shortening.
    const arms: [number, number][] = [[24, pose.armBack], [40, pose.armFront]];
    for (const [sx, a] of arms) {
      const out = sx < cx ? -1 : 1;
      const side = pose.weapon || pose.magic > 0 || ACTIONS[look.action] === 'spellcast' ? Math.sin(a) : 0.25 * Math.abs(Math.sin(a));
      const hx = sx + out * armLen * side;
      const hy = 24 + armLen * Math.cos(a);
      frame.line(sx, 24, hx, hy, 2, skin);
      if (pose.weapon && out > 0) frame.line(hx, hy, hx + out * 9 * Math.sin(a + 0.4), hy + 9 * Math.cos(a + 0.4), 1, WEAPON);
      if (pose.magic > 0) frame.ellipse(hx, hy - 2, pose.magic, pose.magic, MAGIC);
    }
    frame.ellipse(cx, 14, 7.5, 8, skin);
    frame.rect(24.5, 5, 39.5, 10, hair);
    frame.rect(24.5, 5, 27, 15, hair);
    frame.rect(37, 5, 39.5, 15, hair);
    frame.rect(28, 14, 30, 16, EYE);
    frame.rect(34, 14, 36, 16, EYE);
    return;
  }

  const f = dir === 'right' ? 1 : -1;
  const limb = (sx: number, sy: number, a: number, len: number, r: number, c: Rgb) => {
    const ex = sx + f * len * Math.sin(a);
    const ey = sy + len * Math.cos(a);
    frame.line(sx, sy, ex, ey, r, c);
    return [ex, ey] as const;
  };
  limb(cx - f, 24, pose.armBack, armLen, 2, skin);
  limb(cx - f, 40, pose.legBack, legLen, 2.5, pants);
  frame.rect(28, 22, 36, 41, top);
  limb(cx + f, 40, pose.legFront, legLen, 2.5, pants);
  frame.ellipse(cx + f, 14, 6.5, 8, skin);
  // Hair over the crown and the back of the head.
  frame.rect(cx + f - 6.5, 5, cx + f + 6.5, 10, hair);
  if (f > 0) frame.rect(cx - 5.5, 5, cx - 1, 17, hair); else frame.rect(cx + 1, 5, cx + 5.5, 17, hair);
  frame.rect(cx + f * 4 - 1, 14, cx + f * 4 + 1, 16, EYE);
  const [hx, hy] = limb(cx + f, 24, pose.armFront, armLen, 2, skin);
  if (pose.weapon) frame.line(hx, hy, hx + f * 10 * Math.sin(pose.armFront + 0.3), hy + 10 * Math.cos(pose.armFront + 0.3), 1, WEAPON);
  if (pose.magic > 0) frame.ellipse(hx, hy - 2, pose.magic, pose.magic, MAGIC);
}
