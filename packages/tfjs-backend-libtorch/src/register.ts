/**
 * Builds the libtorch kernel set (table-generated elementwise kernels plus the hand-written
 * ones) and registers it with tfjs. Every other kernel tfjs knows gets a stub that raises an
 * LibtorchError naming the kernel, instead of tfjs' generic "not registered" message.
 */
import { getKernel, getKernelsForBackend, registerKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { LibtorchError } from './errors.ts';
import type { NativeTorch } from './addon.ts';
import type { LibtorchBackend } from './backend.ts';
import { BINARY_KERNELS, UNARY_KERNELS } from './kernel-table.ts';
import { convKernels } from './kernels/conv.ts';
import { fusedKernels } from './kernels/fused.ts';
import { layoutKernels } from './kernels/layout.ts';
import { mathKernels } from './kernels/math.ts';
import { input, type KernelTable } from './kernels/types.ts';

export const BACKEND_NAME = 'libtorch';

const tableKernels: KernelTable = {
  ...Object.fromEntries(Object.entries(UNARY_KERNELS).map(([name, op]) => [name,
    ((inputs, b) => b.out(b.native.unary(b.unaryCode(op), b.h(input(inputs, 'x'))))) as KernelTable[string]])),
  ...Object.fromEntries(Object.entries(BINARY_KERNELS).map(([name, [op, a, c]]) => [name,
    ((inputs, b) => b.out(b.native.binary(b.binaryCode(op), b.h(input(inputs, a)), b.h(input(inputs, c))))) as KernelTable[string]])),
};

/** Every kernel the libtorch backend implements, by tfjs kernel name. */
export const LIBTORCH_KERNELS: KernelTable = { ...tableKernels, ...mathKernels, ...convKernels, ...layoutKernels, ...fusedKernels };

/**
 * An addon built before the fused kernels existed lacks them: those kernels are then left
 * unregistered, so the ops that use them run their tfjs composites instead of failing.
 */
function addonHasFused(native: NativeTorch): boolean {
  return typeof native.adamStep === 'function';
}

/**
 * A native failure inside a kernel, as a value that names the tfjs kernel (the addon only knows
 * its own function). Mixed-device inputs get their own code: they are a caller's bug, not libtorch's.
 */
function kernelFailure(kernelName: string, e: unknown): unknown {
  if (!(e instanceof Error) || (e as { code?: unknown }).code !== 'LIBTORCH') return e;
  const mixed = e.message.startsWith('mixed devices');
  return new LibtorchError(mixed ? 'LIBTORCH_MIXED_DEVICE' : 'LIBTORCH_KERNEL_FAILED', `kernel '${kernelName}' on libtorch: ${e.message}`,
    { kernel: kernelName }, mixed ? 'keep every tensor of a backend on its one device (registerLibtorch({ device }))' : undefined);
}

export function implementedKernels(): string[] { return Object.keys(LIBTORCH_KERNELS).sort(); }

let registered = false;

export function registerLibtorchKernels(native: NativeTorch): void {
  if (registered) return;
  registered = true;
  const skip = addonHasFused(native) ? new Set<string>() : new Set(Object.keys(fusedKernels));
  for (const [kernelName, k] of Object.entries(LIBTORCH_KERNELS)) {
    if (skip.has(kernelName)) continue;
    const config: KernelConfig = {
      kernelName,
      backendName: BACKEND_NAME,
      kernelFunc: ({ inputs, backend, attrs }) => {
        try {
          return k(inputs, backend as LibtorchBackend, attrs ?? {}) as TensorInfo | TensorInfo[];
        } catch (e) {
          throw kernelFailure(kernelName, e);
        }
      },
    };
    registerKernel(config);
  }
  // Stubs for the rest of what tfjs can dispatch (the cpu backend's kernel list is the census).
  for (const { kernelName } of getKernelsForBackend('cpu')) {
    if (getKernel(kernelName, BACKEND_NAME)) continue;
    registerKernel({
      kernelName,
      backendName: BACKEND_NAME,
      kernelFunc: () => {
        throw new LibtorchError('LIBTORCH_KERNEL_MISSING', `kernel '${kernelName}' is not implemented on the libtorch backend`,
          { kernel: kernelName }, 'use another tfjs backend (untangle: runtime.backend: wasm) for this model, or add the kernel to @untangle/tfjs-backend-libtorch (src/kernels)');
      },
    });
  }
}
