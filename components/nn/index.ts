/**
 * untangle's neural-network building blocks on tfjs-core (NHWC, channels last).
 *
 * Layouts differ from PyTorch where tfjs wants it (documented on each layer): Linear `[in, out]`,
 * Conv2d `[kh, kw, in, out]`, ConvTranspose2d `[kh, kw, out, in]`, LSTM/GRU `[in, G·hidden]`.
 * Parameter names and default initialisations follow PyTorch.
 */
export { Module, UnaryModule, type LoadWeightsOptions, type LoadWeightsReport } from './module.ts';
export * as init from './init.ts';
export type { Initializer, Fans } from './init.ts';
export {
  Activation, type ActivationName, ACTIVATION_NAMES, activationFn, elu, gelu, leakyRelu, relu, sigmoid, silu, softplus, tanh,
} from './activations.ts';
export { Linear, type LinearOptions } from './layers/linear.ts';
export { Conv2d, type Conv2dOptions } from './layers/conv2d.ts';
export { ConvTranspose2d, type ConvTranspose2dOptions } from './layers/conv-transpose2d.ts';
export { type Padding2d, convOutSize, convTransposeOutSize } from './layers/conv-geometry.ts';
export { GroupNorm } from './layers/group-norm.ts';
export { LayerNorm } from './layers/layer-norm.ts';
export { BatchNorm, BatchNorm1d, BatchNorm2d } from './layers/batch-norm.ts';
export { Embedding } from './layers/embedding.ts';
export { Dropout, dropoutMask } from './layers/dropout.ts';
export { Upsample, upsampleNearest } from './layers/upsample.ts';
export { Sequential } from './layers/sequential.ts';
export {
  Bidirectional, GRU, GRUCell, LSTM, LSTMCell, type LstmState, type SequenceLayer, type SequenceOutput,
} from './layers/recurrent.ts';
export { TanhRNN } from './layers/tanh-rnn.ts';
export { film } from './fused/film.ts';
export { MultiHeadSelfAttention } from './layers/attention.ts';
// Tensor helpers shared by models, losses and samplers (not layers): they live here, below every kind.
export { stopGradient } from './stop-gradient.ts';
export { normalNoise, reparameterize } from './gaussian-noise.ts';
