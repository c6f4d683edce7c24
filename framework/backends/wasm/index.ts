/**
 * Training kernels for @tensorflow/tfjs-backend-wasm 4.22.
 *
 * The stock wasm backend cannot train a conv net: it has no Conv2DBackpropFilter, its
 * Conv2DBackpropInput is a scalar C++ loop, and its BatchMatMul leaves XNNPACK for a scalar loop as
 * soon as an operand is transposed or the batch is > 1 (every dense backward pass). The kernels
 * in kernel-table.ts are registered over the stock ones and are built only from fast wasm kernels
 * (XNNPACK Conv2D and matmul, Transpose) plus small JS loops, so the heavy lifting stays in
 * XNNPACK. Measured effect: docs/backend-notes.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm'; // registers the wasm backend and its stock kernels, which these build on
import { UntangleError } from '../../util/errors.ts';
import { WASM_TRAINING_KERNELS, type WasmKernelParts } from './kernel-table.ts';
import { BASE_KERNELS, wasmOf, WasmOps, type Stock } from './ops.ts';

export type { WasmKernelParts } from './kernel-table.ts';
export { WASM_TRAINING_KERNELS } from './kernel-table.ts';

const BACKEND = 'wasm';

/**
 * The stock kernel configs, captured once per process. Kept on globalThis (not in a module
 * variable) so that a second copy of this module can never capture our own replacements as the
 * "originals" and recurse forever.
 */
const STOCK_KEY = Symbol.for('untangle.wasmTrainingKernels.stock');
type GlobalWithStock = typeof globalThis & { [STOCK_KEY]?: Stock };

/** Bumped whenever a kernel's numerics change; recorded in the run fingerprint. */
export const WASM_TRAINING_KERNELS_VERSION = 'untangle-wasm-train-1';

/**
 * Registers the training kernels over the stock wasm ones. Idempotent: the first call in a
 * process decides; later calls do nothing. Call before or after the wasm backend initialises.
 */
export function registerWasmTrainingKernels(parts: Partial<WasmKernelParts> = {}): void {
  const want: WasmKernelParts = { filterGrad: true, inputGrad: true, matMul: true, samePad: true, ...parts };
  const g = globalThis as GlobalWithStock;
  if (g[STOCK_KEY]) return; // already registered in this process
  const stock = {} as Stock;
  for (const name of BASE_KERNELS) {
    const k = tf.getKernel(name, BACKEND);
    if (!k) {
      throw new UntangleError(
        'wasm_kernel_missing',
        `the wasm backend has no '${name}' kernel to build the training kernels on`,
        { kernel: name, tfjsCore: tf.version_core },
        "install @tensorflow/tfjs-backend-wasm 4.22.0, the version these kernels are written against",
      );
    }
    stock[name] = k;
  }
  g[STOCK_KEY] = stock;

  const ops = new WasmOps(stock);
  for (const [kernelName, k] of Object.entries(WASM_TRAINING_KERNELS)) {
    if (!want[k.part]) continue;
    if (tf.getKernel(kernelName, BACKEND)) tf.unregisterKernel(kernelName, BACKEND);
    const base = k.keepSetupOf ? stock[k.keepSetupOf] : undefined;
    tf.registerKernel({
      kernelName,
      backendName: BACKEND,
      kernelFunc: (a) => k.run(ops, wasmOf(a.backend), a.inputs, a.attrs),
      setupFunc: base?.setupFunc,
      disposeFunc: base?.disposeFunc,
    });
  }
}

/** True once registerWasmTrainingKernels() has run in this process. */
export function wasmTrainingKernelsRegistered(): boolean {
  return (globalThis as GlobalWithStock)[STOCK_KEY] !== undefined;
}
