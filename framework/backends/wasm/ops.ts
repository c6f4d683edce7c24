/**
 * Plumbing of the wasm training kernels: the stock wasm kernels they build on, called directly
 * (no engine bookkeeping), and freeing their intermediate outputs.
 */
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { UntangleError } from '../../util/errors.ts';

export const SAME_PAD_KERNELS = ['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative'] as const;
/** The stock kernels we build on (and, for the replaced ones, fall back to). */
export const BASE_KERNELS = ['Conv2DBackpropInput', 'Transpose', 'Slice', 'BatchMatMul', '_FusedMatMul', ...SAME_PAD_KERNELS] as const;
export type BaseKernel = (typeof BASE_KERNELS)[number];
export type Stock = Record<BaseKernel, KernelConfig>;
export type Shape4 = [number, number, number, number];

export function wasmOf(backend: unknown): BackendWasm {
  return backend as BackendWasm;
}

export function input(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const t = inputs[name];
  if (!t) throw new UntangleError('wasm_kernel_input', `kernel input '${name}' is missing`, { input: name });
  return t;
}

export class WasmOps {
  constructor(readonly stock: Stock) {}

  call(backend: BackendWasm, name: BaseKernel, inputs: NamedTensorInfoMap, attrs: object): TensorInfo {
    const out = this.stock[name].kernelFunc({ inputs, backend, attrs: attrs as NamedAttrMap });
    return Array.isArray(out) ? out[0] : out;
  }

  transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
    return this.call(backend, 'Transpose', { x }, { perm });
  }

  free(backend: BackendWasm, ...ts: TensorInfo[]): void {
    for (const t of ts) backend.disposeData(t.dataId);
  }
}

/** One training kernel: stock ops in, a TensorInfo out. */
export type WasmKernel = (ops: WasmOps, backend: BackendWasm, inputs: NamedTensorInfoMap, attrs: NamedAttrMap | undefined) => TensorInfo;
