/** Math kernels that need attributes: activations with parameters, reductions, matmul, softmax. */
import { util } from '@tensorflow/tfjs-core';
import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { LibtorchError } from '../errors.ts';
import type { LibtorchBackend } from '../backend.ts';
import { dtypeCode } from '../backend.ts';
import { REDUCE_KERNELS } from '../kernel-table.ts';
import { applyActivation } from './activation.ts';
import { attrBool, attrInts, attrNum, attrStr, input, inputList, type KernelTable, type LibtorchKernel } from './types.ts';

function reduction(kind: string, axisAttr: string): LibtorchKernel {
  return (inputs, b, attrs) => {
    const x = input(inputs, 'x');
    const raw = attrs[axisAttr];
    const axes = util.parseAxisParam(raw === undefined || raw === null ? null as unknown as number[] : attrInts(attrs, axisAttr), x.shape);
    // Whole-tensor reductions with keepDims=false give a scalar; the addon reduces over `axes`.
    return b.out(b.native.reduce(kind, b.h(x), axes, attrBool(attrs, 'keepDims')));
  };
}

const reductions: KernelTable = Object.fromEntries(
  Object.entries(REDUCE_KERNELS).map(([name, [kind, axisAttr]]) => [name, reduction(kind, axisAttr)]),
);

function argReduce(isMax: boolean): LibtorchKernel {
  return (inputs, b, attrs) => {
    const x = input(inputs, 'x');
    const axis = util.parseAxisParam(attrInts(attrs, 'axis'), x.shape)[0];
    return b.out(b.native.argReduce(isMax, b.h(x), axis));
  };
}

/** BatchMatMul and _FusedMatMul: rank-3 operands, optional bias and activation. */
function matmul(inputs: NamedTensorInfoMap, b: LibtorchBackend, attrs: NamedAttrMap): TensorInfo {
  const a = input(inputs, 'a'), m = input(inputs, 'b');
  const bias = inputs.bias ? b.h(inputs.bias) : null;
  let h = b.native.matmul(b.h(a), b.h(m), bias, attrBool(attrs, 'transposeA'), attrBool(attrs, 'transposeB'));
  const activation = attrStr(attrs, 'activation', 'linear');
  if (activation !== 'linear') {
    const prelu = inputs.preluActivationWeights ? b.h(inputs.preluActivationWeights) : null;
    h = applyActivation(b, h, activation, prelu, attrNum(attrs, 'leakyreluAlpha', 0.2));
    b.native.shapeOf(h);
  }
  return b.out(h);
}

function softmax(log: boolean): LibtorchKernel {
  return (inputs, b, attrs) => {
    const x = input(inputs, 'logits');
    const dim = attrs.dim === undefined ? -1 : attrNum(attrs, 'dim');
    return b.out(b.native.softmax(b.h(x), dim, log));
  };
}

function cumulative(isProd: boolean): LibtorchKernel {
  return (inputs, b, attrs) => {
    const x = input(inputs, 'x');
    return b.out(b.native.cumulative(isProd, b.h(x), attrNum(attrs, 'axis'), attrBool(attrs, 'exclusive'), attrBool(attrs, 'reverse')));
  };
}

export const mathKernels: KernelTable = {
  ...reductions,
  ArgMax: argReduce(true),
  ArgMin: argReduce(false),
  LeakyRelu: (inputs, b, attrs) => b.out(b.native.leakyRelu(b.h(input(inputs, 'x')), attrNum(attrs, 'alpha'))),
  Step: (inputs, b, attrs) => b.out(b.native.step(b.h(input(inputs, 'x')), attrNum(attrs, 'alpha', 0))),
  ClipByValue: (inputs, b, attrs) =>
    b.out(b.native.clip(b.h(input(inputs, 'x')), attrNum(attrs, 'clipValueMin'), attrNum(attrs, 'clipValueMax'))),
  Select: (inputs, b) => b.out(b.native.select(b.h(input(inputs, 'condition')), b.h(input(inputs, 't')), b.h(input(inputs, 'e')))),
  Identity: (inputs, b) => b.share(input(inputs, 'x')),
  Cast: (inputs, b, attrs) => {
    const x = input(inputs, 'x');
    const dtype = attrStr(attrs, 'dtype');
    if (dtype === x.dtype) return b.share(x);
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
      throw new LibtorchError('LIBTORCH_DTYPE', `Cast to ${dtype} is not supported on libtorch`, { from: x.dtype, to: dtype }, 'use runtime.backend: wasm');
    }
    return b.out(b.native.cast(b.h(x), dtypeCode(dtype)));
  },
  AddN: (inputs, b) => b.out(b.native.addN(inputList(inputs).map((t) => b.h(t)))),
  BatchMatMul: matmul,
  _FusedMatMul: matmul,
  Softmax: softmax(false),
  LogSoftmax: softmax(true),
  Cumsum: cumulative(false),
  Cumprod: cumulative(true),
  Einsum: (inputs, b, attrs) => b.out(b.native.einsum(attrStr(attrs, 'equation'), inputList(inputs).map((t) => b.h(t)))),
  FusedBatchNorm: (inputs, b, attrs) => {
    const opt = (k: string) => (inputs[k] ? b.h(inputs[k]) : null);
    return b.out(b.native.batchNorm(b.h(input(inputs, 'x')), b.h(input(inputs, 'mean')), b.h(input(inputs, 'variance')),
      opt('offset'), opt('scale'), attrNum(attrs, 'varianceEpsilon', 0.001)));
  },
};
