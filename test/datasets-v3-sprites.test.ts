import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { V3Sprites } from '../components/datasets/sequential/v3-sprites.ts';
import { Sprites } from '../components/datasets/sequential/sprites.ts';

describe('V3Sprites', () => {
  const ds = new V3Sprites({ frames: 8 });
  it('one example per character, 9 fragments labelled action × 3 + direction, style = character', () => {
    expect(ds.size).toBe(1296);
    const b = ds.batch([0, 1295]);
    expect(b.x.shape).toEqual([2, 9, 64, 64, 3]);
    expect(Array.from(b.content.dataSync())).toEqual([...Array(9).keys(), ...Array(9).keys()]);
    expect(Array.from(b.style.dataSync())).toEqual([0, 1295]);
    tf.dispose(Object.values(b));
  });
  it('fragment k is the middle frame of the Sprites sequence with that look, action and direction', () => {
    const c = 1 * 216 + 3 * 36 + 2 * 6 + 5; // skin 1, top 3, pants 2, hair 5
    const b = ds.batch([c]);
    const x = b.x.dataSync();
    const seq = new Sprites({ frames: 8 }).renderSequence(Int32Array.from([Math.floor(c / 216) % 6, Math.floor(c / 36) % 6, Math.floor(c / 6) % 6, c % 6, 2, 1]));
    const per = 64 * 64 * 3;
    const frag = x.subarray((2 * 3 + 1) * per, (2 * 3 + 2) * per), mid = seq.subarray(4 * per, 5 * per);
    expect(Array.from(frag)).toEqual(Array.from(mid));
    // Fragments of one character differ from each other (the content changes the picture).
    let diff = 0;
    for (let i = 0; i < per; i++) diff += Math.abs(x[i] - x[per + i]);
    expect(diff).toBeGreaterThan(10);
    tf.dispose(Object.values(b));
  });
});
