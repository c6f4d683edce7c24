/** Fused activations of _FusedMatMul / FusedConv2D / FusedDepthwiseConv2D, applied on handles. */
import { LibtorchError } from '../errors.ts';
import type { LibtorchBackend } from '../backend.ts';

/** Applies `activation` to handle `h`, frees `h` if a new tensor was made, returns the result handle. */
export function applyActivation(b: LibtorchBackend, h: number, activation: string, prelu: number | null, leakyAlpha: number): number {
  const n = b.native;
  let r: number;
  switch (activation) {
    case '':
    case 'linear': return h;
    case 'relu': r = n.unary(b.unaryCode('relu'), h); break;
    case 'relu6': r = n.unary(b.unaryCode('relu6'), h); break;
    case 'elu': r = n.unary(b.unaryCode('elu'), h); break;
    case 'sigmoid': r = n.unary(b.unaryCode('sigmoid'), h); break;
    case 'leakyrelu': r = n.leakyRelu(h, leakyAlpha); break;
    case 'prelu':
      if (prelu === null) throw new LibtorchError('LIBTORCH_KERNEL_ARGS', 'prelu activation without preluActivationWeights', {});
      r = n.binary(b.binaryCode('prelu'), h, prelu);
      break;
    default:
      throw new LibtorchError('LIBTORCH_KERNEL_MISSING', `fused activation '${activation}' is not implemented on libtorch`, { activation }, 'use runtime.backend: wasm');
  }
  n.free(h);
  return r;
}
