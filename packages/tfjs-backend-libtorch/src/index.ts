/**
 * @untangle/tfjs-backend-libtorch: a tfjs-core backend whose tensors live in libtorch, on the CPU
 * or a CUDA GPU. `registerLibtorch` never throws; when the native addon is missing or broken, or
 * the requested device cannot be had, it reports why and the caller picks another backend.
 */
import { findBackend, registerBackend, version_core } from '@tensorflow/tfjs-core';
import { registerAllGradients } from './gradients.ts';
import { loadAddon, type NativeTorch } from './addon.ts';
import { LibtorchBackend } from './backend.ts';
import { describeLinked, deviceVersions, resolveDevice, type DeviceInfo } from './device.ts';
import { BACKEND_NAME, implementedKernels, registerLibtorchKernels } from './register.ts';

export interface LibtorchOptions {
  /** libtorch's intra-op thread count (default 1, the fastest on small machines). */
  threads?: number;
  /** 'cpu' | 'cuda' | 'cuda:N' | 'auto' (default 'cpu'; 'auto' = the first GPU when CUDA and a GPU are present). */
  device?: string;
  /** ATen's deterministic algorithms, cuDNN deterministic mode and a fixed cuBLAS workspace (default: unchanged). */
  deterministic?: boolean;
}

export interface LibtorchRegistration {
  ok: boolean;
  reason: string;
  /** Facts for the run record: libtorch version and path, device, GPU and driver. */
  versions: Record<string, string>;
  /** Set when ok is false: 'LIBTORCH_UNAVAILABLE' (no usable addon) or 'LIBTORCH_DEVICE_UNAVAILABLE'. */
  code?: string;
}

let instance: LibtorchBackend | null = null;
let base: Record<string, string> | null = null;

/** The CPU-only answer of an addon built before device support. */
function deviceInfoOf(native: NativeTorch, torch: string): DeviceInfo {
  if (native.deviceInfo) return native.deviceInfo();
  return { torch, cudaCompiled: false, cudaDevices: 0, driver: '', driverError: 'addon built without device support', gpus: [], buildConfig: '', device: 'cpu' };
}

/**
 * Registers the 'libtorch' tfjs backend (priority 3, above wasm and cpu) if the addon loads, and
 * puts it on the requested device. Later calls change threads, device (only while no tensor
 * lives on the backend) and determinism.
 */
export async function registerLibtorch(opts: LibtorchOptions = {}): Promise<LibtorchRegistration> {
  const threads = Math.max(1, Math.floor(opts.threads ?? 1));
  // The backend exists to train: make sure tfjs-core's gradient functions are registered.
  await registerAllGradients();
  const load = loadAddon();
  if (!load.ok) return { ok: false, code: 'LIBTORCH_UNAVAILABLE', reason: load.reason, versions: {} };
  try {
    if (!instance) {
      instance = new LibtorchBackend(load.native, threads);
      registerLibtorchKernels(load.native);
      const backend = instance;
      if (!findBackend(BACKEND_NAME)) registerBackend(BACKEND_NAME, () => backend, 3);
      base = {
        libtorch: load.build.version !== 'unknown' ? load.build.version : instance.torchVersion,
        libtorchSource: load.build.source,
        libtorchLib: load.build.lib,
        addon: load.addonPath,
        tfjsCore: version_core,
        kernels: String(implementedKernels().length),
      };
    }
    const native = instance.native;
    native.setThreads(threads);
    const info = deviceInfoOf(native, instance.torchVersion);
    const linked = { version: load.build.version, lib: load.build.lib };
    const want = resolveDevice(opts.device ?? 'cpu', info, linked);
    if (!want.ok) return { ok: false, code: 'LIBTORCH_DEVICE_UNAVAILABLE', reason: want.reason, versions: {} };
    if (want.device !== 'cpu' || native.setDevice) {
      if (!native.setDevice) return { ok: false, code: 'LIBTORCH_DEVICE_UNAVAILABLE', reason: `the addon predates device support: rebuild it (${describeLinked(info, linked)})`, versions: {} };
      native.setDevice(want.device);
    }
    if (opts.deterministic !== undefined) native.setDeterministic?.(opts.deterministic);
    const device = want.device;
    return {
      ok: true,
      reason: `libtorch ${base?.libtorch} addon loaded (${threads} thread${threads > 1 ? 's' : ''}, device ${device}${opts.deterministic ? ', deterministic' : ''})`,
      versions: { ...base, ...deviceVersions(info, device), ...(opts.deterministic ? { deterministic: 'true' } : {}) },
    };
  } catch (e) {
    return { ok: false, code: 'LIBTORCH_UNAVAILABLE', reason: `libtorch addon failed to initialise: ${e instanceof Error ? e.message : String(e)}`, versions: {} };
  }
}

/** Changes libtorch's intra-op thread count after registration (runtime.threads). */
export function setLibtorchThreads(n: number): number {
  if (!instance) return 0;
  return instance.native.setThreads(Math.max(1, Math.floor(n)));
}

/** What the linked libtorch offers (CUDA compiled in, GPUs, driver), or null without an addon. */
export function libtorchDeviceInfo(): DeviceInfo | null {
  const load = loadAddon();
  if (!load.ok) return null;
  return deviceInfoOf(load.native, instance?.torchVersion ?? load.build.version);
}

export { implementedKernels, BACKEND_NAME };
export { LIBTORCH_KERNELS } from './register.ts';
export { LibtorchBackend } from './backend.ts';
export { CodedError, LibtorchError, isLibtorchError } from './errors.ts';
export { describeLinked, deviceVersions, isDeviceRequest, resolveDevice, type DeviceInfo, type DeviceRequest } from './device.ts';
export { FUSED, hasFusedKernel, runFused, runFusedGrad, setFusedKernels, type FusedKernelName } from './fused.ts';
export { registerAllGradients } from './gradients.ts';
