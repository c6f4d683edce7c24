/** The fused kernels (src/fused.ts) on libtorch: one addon call each (native/fused.cc). */
import { FUSED } from '../fused.ts';
import { attrInts, attrNum, input, inputList, type KernelTable } from './types.ts';

export const fusedKernels: KernelTable = {
  [FUSED.adamStep]: (inputs, b, attrs) => {
    const h = (k: string) => b.h(input(inputs, k));
    return b.outMany(b.native.adamStep(h('p'), h('g'), h('m'), h('v'), attrNum(attrs, 'lrOverBc1'), attrNum(attrs, 'beta1'),
      attrNum(attrs, 'beta2'), attrNum(attrs, 'eps'), attrNum(attrs, 'sqrtBc2'), attrNum(attrs, 'l2', 0), attrNum(attrs, 'pScale', 1)));
  },
  [FUSED.adamStepAll]: (inputs, b, attrs) => {
    const n = attrNum(attrs, 'n');
    const list = (k: string) => Array.from({ length: n }, (_, i) => b.h(input(inputs, `${k}${i}`)));
    return b.outMany(b.native.adamStepAll(list('p'), list('g'), list('m'), list('v'), attrNum(attrs, 'lrOverBc1'), attrNum(attrs, 'beta1'),
      attrNum(attrs, 'beta2'), attrNum(attrs, 'eps'), attrNum(attrs, 'sqrtBc2'), attrNum(attrs, 'l2', 0), attrNum(attrs, 'pScale', 1)));
  },
  [FUSED.reluGrad]: (inputs, b) => b.out(b.native.reluGrad(b.h(input(inputs, 'dy')), b.h(input(inputs, 'x')))),
  [FUSED.groupNorm]: (inputs, b, attrs) =>
    b.outMany(b.native.groupNorm(b.h(input(inputs, 'x')), b.h(input(inputs, 'gamma')), b.h(input(inputs, 'beta')),
      attrNum(attrs, 'groups'), attrNum(attrs, 'eps'))),
  [FUSED.groupNormGrad]: (inputs, b, attrs) => {
    const h = (k: string) => b.h(input(inputs, k));
    return b.outMany(b.native.groupNormGrad(h('dy'), h('x'), h('mean'), h('rstd'), h('gamma'), attrNum(attrs, 'groups')));
  },
  [FUSED.lstmCell]: (inputs, b) => b.outMany(b.native.lstmCell(b.h(input(inputs, 'gates')), b.h(input(inputs, 'c')))),
  [FUSED.lstmCellGrad]: (inputs, b) => {
    const h = (k: string) => b.h(input(inputs, k));
    return b.outMany(b.native.lstmCellGrad(h('dh'), h('dc'), h('act'), h('c'), h('cNext')));
  },
  [FUSED.gruCell]: (inputs, b) => b.outMany(b.native.gruCell(b.h(input(inputs, 'xp')), b.h(input(inputs, 'hp')), b.h(input(inputs, 'h')))),
  [FUSED.gruCellGrad]: (inputs, b) => {
    const h = (k: string) => b.h(input(inputs, k));
    return b.outMany(b.native.gruCellGrad(h('dy'), h('act'), h('hp'), h('h')));
  },
  [FUSED.lstmSequence]: (inputs, b) => {
    const h = (k: string) => b.h(input(inputs, k));
    return b.outMany(b.native.lstmSequence(h('xp'), h('h0'), h('c0'), h('wh')));
  },
  [FUSED.lstmSequenceGrad]: (inputs, b) => {
    const h = (k: string) => b.h(input(inputs, k));
    return b.outMany(b.native.lstmSequenceGrad(h('dhs'), h('dhT'), h('dcT'), h('acts'), h('cs'), h('hs'), h('h0'), h('wh')));
  },
  [FUSED.gruSequence]: (inputs, b) => {
    const h = (k: string) => b.h(input(inputs, k));
    return b.outMany(b.native.gruSequence(h('xp'), h('h0'), h('wh'), h('bh')));
  },
  [FUSED.gruSequenceGrad]: (inputs, b) => {
    const h = (k: string) => b.h(input(inputs, k));
    return b.outMany(b.native.gruSequenceGrad(h('dhs'), h('dhT'), h('acts'), h('hps'), h('hs'), h('h0'), h('wh')));
  },
  [FUSED.rnnTanhSequence]: (inputs, b) => {
    const h = (k: string) => b.h(input(inputs, k));
    return b.outMany(b.native.rnnTanhSequence(h('xp'), h('h0'), h('wh')));
  },
  [FUSED.rnnTanhSequenceGrad]: (inputs, b) => {
    const h = (k: string) => b.h(input(inputs, k));
    return b.outMany(b.native.rnnTanhSequenceGrad(h('dhs'), h('dhT'), h('hs'), h('h0'), h('wh')));
  },
  [FUSED.film]: (inputs, b) => b.out(b.native.film(b.h(input(inputs, 'x')), b.h(input(inputs, 'ss')))),
  [FUSED.filmGrad]: (inputs, b) => b.outMany(b.native.filmGrad(b.h(input(inputs, 'dy')), b.h(input(inputs, 'x')), b.h(input(inputs, 'ss')))),
  [FUSED.globalNorm]: (inputs, b) => b.out(b.native.globalNorm(inputList(inputs).map((t) => b.h(t)))),
  [FUSED.scaleAll]: (inputs, b, attrs) => b.outMany(b.native.scaleAll(inputList(inputs).map((t) => b.h(t)), attrNum(attrs, 'scale'))),
  [FUSED.linear]: (inputs, b) => {
    const h = (k: string) => b.h(input(inputs, k));
    return b.out(b.native.matmul(h('x'), h('w'), h('bias'), false, false));
  },
  [FUSED.keepMask]: (_inputs, b, attrs) => {
    const [s0, s1, s2, s3] = attrInts(attrs, 'state');
    return b.outMany(b.native.keepMask(attrInts(attrs, 'shape'), attrNum(attrs, 'p'), attrNum(attrs, 'keep'), s0, s1, s2, s3));
  },
  [FUSED.silu]: (inputs, b) => b.out(b.native.silu(b.h(input(inputs, 'x')))),
  [FUSED.siluGrad]: (inputs, b) => b.out(b.native.siluGrad(b.h(input(inputs, 'dy')), b.h(input(inputs, 'x')))),
};
