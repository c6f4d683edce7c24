/**
 * Fused kernels (an Adam step, GroupNorm, LSTM/GRU cells and sequences, SiLU, the Relu gradient):
 * named tfjs kernels a fast backend registers, each with a plain-tfjs composite that runs where
 * the active backend lacks it. The contract (names, dispatch) belongs to the libtorch backend
 * package, which registers the kernels; components import it from here, so they depend on the
 * framework and not on a particular backend.
 */
export { FUSED, hasFusedKernel, runFused, runFusedGrad, setFusedKernels, type FusedKernelName } from '@untangle/tfjs-backend-libtorch/fused';
