/**
 * Devices on a machine without a GPU: what 'cpu' | 'cuda' | 'cuda:N' | 'auto' resolve to (pure
 * cases, including CUDA machines described by hand), the config-time answer for 'cuda' with a CPU
 * libtorch (checked against what the `torch` Python package says about itself), tensors placed
 * on the CPU, mixed-device inputs named by kernel (a "meta" tensor stands in for a GPU one), the
 * determinism switch, and the device-neutral fused-kernel paths CUDA runs, against the CPU loops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { FUSED, LibtorchError, registerLibtorch, resolveDevice, deviceVersions, type DeviceInfo, type LibtorchBackend } from '../src/index.ts';
import { loadAddon } from '../src/addon.ts';
import { available, Gen, mismatch, pythonTorch, registration, testDevice } from './harness.ts';

const cpuOnly: DeviceInfo = { torch: '2.13.0', cudaCompiled: false, cudaDevices: 0, driver: '', driverError: 'libtorch compiled without CUDA', gpus: [], buildConfig: '', device: 'cpu' };
const twoGpus: DeviceInfo = {
  torch: '2.11.0', cudaCompiled: true, cudaDevices: 2, driver: '13.0', driverError: '', buildConfig: '', device: 'cpu',
  gpus: [{ index: 0, name: 'NVIDIA H200', memoryMiB: 143771 }, { index: 1, name: 'NVIDIA H100', memoryMiB: 81559 }],
};
const cudaNoGpu: DeviceInfo = { ...twoGpus, cudaDevices: 0, gpus: [], driver: '', driverError: 'libcuda.so.1 not loadable: no such file' };
const cpuLink = { version: '2.13.0+cpu', lib: '/opt/torch/lib' };
const cudaLink = { version: '2.11.0+cu130', lib: '/opt/torch/lib' };

describe('device requests', () => {
  it('resolves cpu, auto and cuda on a CPU-only libtorch', () => {
    expect(resolveDevice('cpu', cpuOnly, cpuLink)).toEqual({ ok: true, device: 'cpu' });
    expect(resolveDevice('auto', cpuOnly, cpuLink)).toEqual({ ok: true, device: 'cpu' });
    expect(resolveDevice('cuda', cpuOnly, cpuLink)).toEqual({ ok: false, reason: 'device cuda requested, but libtorch 2.13.0+cpu linked from /opt/torch/lib; compiled without CUDA' });
    expect(resolveDevice('cuda:1', cpuOnly, cpuLink).ok).toBe(false);
    expect(resolveDevice('gpu', cpuOnly, cpuLink)).toEqual({ ok: false, reason: "unknown device 'gpu' (expected cpu, cuda, cuda:N or auto)" });
  });

  it('resolves on a CUDA libtorch with two GPUs, and without a visible GPU', () => {
    expect(resolveDevice('auto', twoGpus, cudaLink)).toEqual({ ok: true, device: 'cuda:0' });
    expect(resolveDevice('cuda', twoGpus, cudaLink)).toEqual({ ok: true, device: 'cuda:0' });
    expect(resolveDevice('cuda:1', twoGpus, cudaLink)).toEqual({ ok: true, device: 'cuda:1' });
    const r = resolveDevice('cuda:2', twoGpus, cudaLink);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('device cuda:2 requested, but libtorch 2.11.0+cu130 linked from /opt/torch/lib; CUDA compiled in, 2 GPUs: NVIDIA H200, NVIDIA H100, driver 13.0 (valid: cuda:0..cuda:1)');
    expect(resolveDevice('auto', cudaNoGpu, cudaLink)).toEqual({ ok: true, device: 'cpu' });
    const n = resolveDevice('cuda', cudaNoGpu, cudaLink);
    if (n.ok) throw new Error('cuda without a GPU resolved');
    expect(n.reason).toBe('device cuda requested, but libtorch 2.11.0+cu130 linked from /opt/torch/lib; CUDA compiled in, no GPU visible (libcuda.so.1 not loadable: no such file)');
  });

  it('records the GPU and driver only for a run on a GPU', () => {
    expect(deviceVersions(twoGpus, 'cuda:1')).toEqual({ device: 'cuda:1', libtorchCuda: 'compiled', cudaDevices: '2', gpu: 'NVIDIA H100', gpuMemoryMiB: '81559', cudaDriver: '13.0' });
    expect(deviceVersions(twoGpus, 'cpu')).toEqual({ device: 'cpu', libtorchCuda: 'compiled', cudaDevices: '2' });
    expect(deviceVersions(cpuOnly, 'cpu')).toEqual({ device: 'cpu', libtorchCuda: 'not compiled', cudaDevices: '0' });
  });
});

describe.skipIf(!available)('the addon on this machine', () => {
  const load = loadAddon();
  const native = load.ok ? load.native : null;
  const py = load.ok && load.build.source.includes('torch package') ? pythonTorch() : null;

  it('reports the libtorch it linked as the torch package describes itself', () => {
    const info = native!.deviceInfo!();
    const want = resolveDevice(testDevice, info, { version: load.ok ? load.build.version : '', lib: load.ok ? load.build.lib : '' });
    expect(want.ok && registration.versions.device).toBe(want.ok && want.device);
    if (!py) return; // built against $LIBTORCH or libtorch-dev: no Python facts to compare with
    expect(registration.versions.libtorch).toBe(py.version);
    expect(registration.versions.libtorchLib).toBe(py.lib);
    expect(info.cudaCompiled).toBe(py.cuda !== null);
    expect(registration.versions.libtorchCuda).toBe(py.cuda !== null ? 'compiled' : 'not compiled');
  });

  it.runIf(py?.cuda === null)("answers 'cuda' on a CPU libtorch with a value that says what was found", async () => {
    for (const device of ['cuda', 'cuda:0', 'cuda:3']) {
      const r = await registerLibtorch({ device });
      expect(r.ok).toBe(false);
      expect(r.code).toBe('LIBTORCH_DEVICE_UNAVAILABLE');
      expect(r.reason).toBe(`device ${device} requested, but libtorch ${py!.version} linked from ${py!.lib}; compiled without CUDA`);
    }
    // The addon itself refuses too (a caller that skips resolveDevice gets the same answer, no crash).
    expect(() => native!.setDevice!('cuda')).toThrow(/compiled without CUDA/);
    // ... and the backend is still usable on the CPU afterwards.
    expect((await registerLibtorch({ device: 'auto' })).versions.device).toBe('cpu');
    await registerLibtorch({ device: testDevice });
  });

  it('creates tensors on the chosen device and reads them back', async () => {
    await tf.setBackend('libtorch');
    const b = tf.backend() as LibtorchBackend;
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const y = tf.matMul(x, x);
    expect(native!.deviceOf!(b.h(y))).toBe(registration.versions.device);
    expect(Array.from(y.dataSync())).toEqual([7, 10, 15, 22]);
    // Moving the backend while tensors live would strand them on the old device: refused.
    expect(() => native!.setDevice!('meta')).toThrow(/not supported|tensors already live/);
    tf.dispose([x, y]);
  });

  it('names the kernel when its inputs are on different devices', async () => {
    await tf.setBackend('libtorch');
    const b = tf.backend() as LibtorchBackend;
    const x = tf.tensor1d([1, -2, 3]);
    const meta = tf.engine().makeTensorFromTensorInfo(b.out(native!.toDevice!(b.h(x), 'meta')));
    expect(native!.deviceOf!(b.h(meta))).toBe('meta');
    const cases: Array<[string, () => unknown]> = [
      ['Add', () => tf.add(x, meta)],
      ['Concat', () => tf.concat([x, meta])],
      [FUSED.reluGrad, () => tf.engine().runKernel(FUSED.reluGrad, { dy: x, x: meta })],
    ];
    for (const [kernel, run] of cases) {
      let err: unknown = null;
      try { run(); } catch (e) { err = e; }
      expect(err, kernel).toBeInstanceOf(LibtorchError);
      const le = err as LibtorchError;
      expect(le.code).toBe('LIBTORCH_MIXED_DEVICE');
      expect(le.context.kernel).toBe(kernel);
      expect(le.message).toMatch(new RegExp(`^kernel '${kernel}' on libtorch: mixed devices in \\w+: argument \\d+ is on \\S+, an earlier tensor argument on \\S+$`));
    }
    tf.dispose([x, meta]);
  });

  it('switches deterministic algorithms on and off', () => {
    expect(native!.setDeterministic!(true)).toBe(true);
    expect(process.env.CUBLAS_WORKSPACE_CONFIG ?? ':4096:8').toMatch(/^:\d+:\d+$/);
    expect(native!.setDeterministic!(false)).toBe(false);
  });

  it('runs the device-neutral fused paths (what CUDA runs) like the CPU loops', async () => {
    const B = 3, H = 5;
    const run = (generic: boolean) => {
      native!.setGenericKernels!(generic);
      const gen = new Gen(11);
      const p = gen.randn([7, 4]), gr = gen.randn([7, 4]), m = gen.randn([7, 4], 0.1), v = gen.uniform([7, 4], 0, 0.1);
      const x = tf.tensor1d([-1, 0, 2, NaN, 3]), dy = gen.randn([5]);
      const act = gen.uniform([B, 4 * H], 0.05, 0.95), c = gen.randn([B, H]), c2 = gen.randn([B, H]), dh = gen.randn([B, H]), dc = gen.randn([B, H]);
      const gact = gen.uniform([B, 3 * H], 0.05, 0.95), hp = gen.randn([B, 3 * H]), h = gen.randn([B, H]);
      const e = tf.engine();
      const outs = [
        ...(e.runKernel(FUSED.adamStep, { p, g: gr, m, v }, { lrOverBc1: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, sqrtBc2: 0.3, l2: 0.01, pScale: 0.99 }) as tf.Tensor[]),
        e.runKernel(FUSED.reluGrad, { dy, x }) as tf.Tensor,
        ...(e.runKernel(FUSED.lstmCellGrad, { dh, dc, act, c, cNext: c2 }) as tf.Tensor[]),
        ...(e.runKernel(FUSED.gruCellGrad, { dy: dh, act: gact, hp, h }) as tf.Tensor[]),
        tf.step(x, 0.25),
      ];
      const values = outs.map((t) => ({ shape: t.shape, dtype: t.dtype, values: Float32Array.from(t.dataSync() as ArrayLike<number>) }));
      tf.dispose([p, gr, m, v, x, dy, act, c, c2, dh, dc, gact, hp, h, ...outs]);
      return values;
    };
    await tf.setBackend('libtorch');
    const loops = run(false);
    const generic = run(true);
    native!.setGenericKernels!(false);
    const mm = mismatch(loops, generic, 1e-5, 1e-6);
    expect(mm.score, mm.detail).toBeLessThanOrEqual(1);
    // Hand-checked: relu'(x) * dy is 0 at x <= 0, dy at x > 0, NaN at NaN, on both paths.
    for (const r of [loops[3], generic[3]]) {
      expect(Math.abs(r.values[0])).toBe(0);
      expect(Math.abs(r.values[1])).toBe(0);
      expect(Number.isNaN(r.values[3])).toBe(true);
    }
    expect(Array.from(generic.at(-1)!.values)).toEqual([0.25, 0.25, 1, NaN, 1]);
  });
});
