/**
 * The wasm training kernels as a table, the shape the libtorch backend's kernels have: tfjs
 * kernel name -> which group it belongs to, whose stock setup it keeps, and its function. index.ts
 * registers the table over the stock @tensorflow/tfjs-backend-wasm kernels.
 */
import { conv2dBackpropFilter } from './conv-filter-grad.ts';
import { conv2dBackpropInput } from './conv-input-grad.ts';
import { matMul } from './matmul.ts';
import { SAME_PAD_KERNELS, type BaseKernel, type WasmKernel } from './ops.ts';
import { withExplicitSamePad } from './same-pad.ts';

/** The independent groups of kernels; all are on by default (benchmarks compare subsets). */
export interface WasmKernelParts {
  /** Conv2DBackpropFilter (missing from stock wasm: without it no conv net trains). */
  filterGrad: boolean;
  /** Conv2DBackpropInput as a sub-pixel conv. */
  inputGrad: boolean;
  /** BatchMatMul / _FusedMatMul on the XNNPACK path. */
  matMul: boolean;
  /** Conv2D / FusedConv2D / DepthwiseConv2dNative with 'same' passed as explicit pads. */
  samePad: boolean;
}

export interface WasmTrainingKernel {
  part: keyof WasmKernelParts;
  /**
   * The stock kernel whose setupFunc/disposeFunc the replacement keeps: it binds the C++ entry
   * point the fallback path still calls, and it only runs at backend init, so dropping it would
   * break a backend initialised after registration.
   */
  keepSetupOf?: BaseKernel;
  run: WasmKernel;
}

export const WASM_TRAINING_KERNELS: Record<string, WasmTrainingKernel> = {
  Conv2DBackpropFilter: { part: 'filterGrad', run: conv2dBackpropFilter },
  Conv2DBackpropInput: { part: 'inputGrad', keepSetupOf: 'Conv2DBackpropInput', run: conv2dBackpropInput },
  BatchMatMul: { part: 'matMul', keepSetupOf: 'BatchMatMul', run: (ops, b, inputs, attrs) => matMul(ops, b, inputs, attrs, 'BatchMatMul') },
  _FusedMatMul: { part: 'matMul', keepSetupOf: '_FusedMatMul', run: (ops, b, inputs, attrs) => matMul(ops, b, inputs, attrs, '_FusedMatMul') },
  ...Object.fromEntries(SAME_PAD_KERNELS.map((name): [string, WasmTrainingKernel] => [name,
    { part: 'samePad', keepSetupOf: name, run: (ops, b, inputs, attrs) => withExplicitSamePad(ops, b, name, inputs, attrs) }])),
};
