/**
 * tfjs-core's gradient functions, which its Node entry does not register (every backend needs
 * them to train). The loader lives in the libtorch backend package, which needs it standalone;
 * importing this module registers them, as importing the package's module does.
 */
export { registerAllGradients, tfjsGradientsRegistered } from '@untangle/tfjs-backend-libtorch/gradients';
