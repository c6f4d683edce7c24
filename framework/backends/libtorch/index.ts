/**
 * The libtorch backend for tfjs: public entry point. `registerLibtorch` never throws; when the
 * native addon is missing or broken it reports why, and the caller falls back to wasm.
 */
import { findBackend, registerBackend, version_core } from '@tensorflow/tfjs-core';
import { registerAllGradients } from '../tfjs-gradients.ts';
import { loadAddon } from './addon.ts';
import { LibtorchBackend } from './backend.ts';
import { BACKEND_NAME, implementedKernels, registerLibtorchKernels } from './register.ts';

export interface LibtorchRegistration { ok: boolean; reason: string; versions: Record<string, string> }

let instance: LibtorchBackend | null = null;
let registration: LibtorchRegistration | null = null;

/**
 * Registers the 'libtorch' tfjs backend (priority 3, above wasm and cpu) if the addon loads.
 * `threads` is libtorch's intra-op thread count (default 1, the fastest on small machines).
 */
export async function registerLibtorch(opts?: { threads?: number }): Promise<LibtorchRegistration> {
  const threads = Math.max(1, Math.floor(opts?.threads ?? 1));
  if (registration?.ok && instance) {
    instance.native.setThreads(threads);
    return registration;
  }
  // The backend exists to train: make sure tfjs-core's gradient functions are registered.
  await registerAllGradients();
  const load = loadAddon();
  if (!load.ok) return { ok: false, reason: load.reason, versions: {} };
  try {
    instance = new LibtorchBackend(load.native, threads);
    registerLibtorchKernels(load.native);
    if (!findBackend(BACKEND_NAME)) {
      const backend = instance;
      registerBackend(BACKEND_NAME, () => backend, 3);
    }
    registration = {
      ok: true,
      reason: `libtorch ${instance.torchVersion} addon loaded (${threads} thread${threads > 1 ? 's' : ''})`,
      versions: {
        libtorch: instance.torchVersion,
        libtorchSource: load.build.source,
        libtorchLib: load.build.lib,
        addon: load.addonPath,
        tfjsCore: version_core,
        kernels: String(implementedKernels().length),
      },
    };
    return registration;
  } catch (e) {
    return { ok: false, reason: `libtorch addon failed to initialise: ${e instanceof Error ? e.message : String(e)}`, versions: {} };
  }
}

/** Changes libtorch's intra-op thread count after registration (runtime.threads). */
export function setLibtorchThreads(n: number): number {
  if (!instance) return 0;
  return instance.native.setThreads(Math.max(1, Math.floor(n)));
}

export { implementedKernels };
