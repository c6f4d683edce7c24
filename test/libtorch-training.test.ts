/**
 * End-to-end checks of the libtorch backend: the data API (typed-array round trips, immediate
 * frees, memory accounting), a small conv autoencoder written in plain tfjs ops trained with a
 * hand-written Adam on cpu and on libtorch (same loss curve within tolerance), and bit-for-bit
 * repetition of a seeded libtorch run.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildConvAE } from '../bench/backends/workloads/conv-ae.ts';
import { Adam, mse, trainStep } from '../bench/backends/workloads/params.ts';
import { setLibtorchThreads } from '@untangle/tfjs-backend-libtorch';
import { Rng } from '../framework/util/rng.ts';
import { available, mustExist, registration } from '../packages/tfjs-backend-libtorch/test/harness.ts';

interface LibtorchMemory { numBytesInLibtorch: number; numTensorsInLibtorch: number }
const nativeMemory = () => tf.backend().memory() as unknown as LibtorchMemory;

/** Trains the AE (16x16 images, batch 4) for `steps` Adam steps; returns losses and final weights. */
async function train(backend: string, steps: number): Promise<{ losses: number[]; weights: Float32Array[] }> {
  await tf.setBackend(backend);
  const ae = buildConvAE(11, 16);
  const x = tf.tensor(new Rng(5).fillUniform(new Float32Array(4 * 16 * 16 * 3)), [4, 16, 16, 3]) as tf.Tensor4D;
  const opt = new Adam(ae.params, 3e-3);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push(trainStep(ae.params, opt, () => mse(ae.forward(x), x)));
  const weights = Object.values(ae.params).map((v) => v.dataSync() as Float32Array);
  opt.dispose();
  tf.dispose([x, ...Object.values(ae.params)]);
  return { losses, weights };
}

describe.skipIf(!available)('libtorch backend data and training', () => {
  it('round-trips float32, int32 and bool values and frees at once', async () => {
    await tf.setBackend('libtorch');
    const before = nativeMemory();
    const f = tf.tensor([1.5, -2, 3.25, 1e-8], [2, 2]);
    const i = tf.tensor([7, -3, 2147483647], [3], 'int32');
    const b = tf.tensor([1, 0, 1], [3], 'bool');
    expect(Array.from(f.dataSync())).toEqual([1.5, -2, 3.25, Math.fround(1e-8)]);
    expect(i.dataSync()).toEqual(new Int32Array([7, -3, 2147483647]));
    expect(b.dataSync()).toEqual(new Uint8Array([1, 0, 1]));
    expect(Array.from(await f.data())).toEqual(Array.from(f.dataSync()));
    const during = nativeMemory();
    expect(during.numBytesInLibtorch - before.numBytesInLibtorch).toBe(4 * 4 + 3 * 4 + 3);
    expect(during.numTensorsInLibtorch - before.numTensorsInLibtorch).toBe(3);
    tf.dispose([f, i, b]);
    expect(nativeMemory()).toEqual(before);
  });

  it('shares data for Identity and frees a chain of intermediates in tidy', async () => {
    await tf.setBackend('libtorch');
    const before = nativeMemory();
    const ids = tf.engine().backend.numDataIds();
    const x = tf.ones([64, 64]);
    const y = tf.tidy(() => tf.sum(tf.relu(tf.matMul(x, x))));
    expect(y.dataSync()[0]).toBe(64 * 64 * 64);
    tf.dispose([x, y]);
    expect(nativeMemory()).toEqual(before);
    expect(tf.engine().backend.numDataIds()).toBe(ids);
  });

  it('moves tensors between the cpu and libtorch backends', async () => {
    await tf.setBackend('cpu');
    const x = tf.tensor([1, 2, 3]);
    await tf.setBackend('libtorch');
    expect(Array.from(tf.mul(x, 2).dataSync())).toEqual([2, 4, 6]);
    x.dispose();
  });

  it('trains the conv autoencoder to the same loss curve as the cpu backend', async () => {
    const steps = 6;
    const cpu = await train('cpu', steps);
    const lt = await train('libtorch', steps);
    // float32 summation order differs (MKL/oneDNN vs JS loops); 6 Adam steps keep the curves within 1e-3.
    for (let s = 0; s < steps; s++) expect(Math.abs(lt.losses[s] - cpu.losses[s]) / cpu.losses[s], `step ${s}`).toBeLessThan(1e-3);
    expect(cpu.losses[steps - 1]).toBeLessThan(cpu.losses[0] * 0.9);
    expect(lt.losses[steps - 1]).toBeLessThan(lt.losses[0] * 0.9);
  });

  it('repeats a seeded run bit for bit', async () => {
    const a = await train('libtorch', 4);
    const b = await train('libtorch', 4);
    expect(b.losses).toEqual(a.losses);
    a.weights.forEach((w, i) => expect(Buffer.from(b.weights[i].buffer).equals(Buffer.from(w.buffer)), `weight ${i}`).toBe(true));
  });

  it('changes the intra-op thread count on request', () => {
    expect(setLibtorchThreads(2)).toBe(2);
    expect(setLibtorchThreads(1)).toBe(1);
  });

  it('reports its versions', () => {
    expect(registration.versions.libtorch).toMatch(/^\d+\.\d+\.\d+/);
    expect(registration.versions.libtorchSource).toBeTruthy();
  });
});

describe.runIf(!available && mustExist)('libtorch in CI', () => {
  it('is installed (CI=true requires the libtorch backend)', () => {
    throw new Error(`libtorch backend unavailable in CI: ${registration.reason}`);
  });
});
