/**
 * tfjs-core's gradient functions (Conv2D -> Conv2DBackpropInput/Filter, Relu -> Step, ...) are
 * not in its CommonJS bundle (dist/tf-core.node.js, which `import '@tensorflow/tfjs-core'` gets
 * under Node); they ship only as extensionless ES modules (dist/register_all_gradients.js), which
 * Node's ESM loader refuses. We install a resolve hook that adds the missing `.js` for files inside
 * tfjs-core/dist, then import the registration module once. The ES copy shares tfjs' engine,
 * Tensor class and gradient registry with the CommonJS copy through tfjs' global namespace, so
 * the registered gradients apply to every tensor. The chained-op
 * methods (tensor.reshape() etc.) some gradients use are loaded the same way.
 */
import { register } from 'node:module';
import { getGradient } from '@tensorflow/tfjs-core';
import { registerFusedGradients } from './fused-gradients.ts';

const HOOKS = `
export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (parent.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.') && !specifier.endsWith('.js')) {
    try { return await next(specifier + '.js', context); } catch { /* a directory or a real extension: fall through */ }
  }
  return next(specifier, context);
}`;

let loaded: Promise<void> | null = null;

/** Registers every tfjs-core gradient (idempotent). */
export function registerAllGradients(): Promise<void> {
  if (getGradient('Mean')) return Promise.resolve();
  loaded ??= (async () => {
    register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, import.meta.url);
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    // Some gradients (Prod's, for one) call chained tensor methods (x.reshape()).
    await import('@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js');
    // After tfjs-core's own, so these replace them.
    registerFusedGradients();
  })();
  return loaded;
}

// Importing this module is enough: every entry point that trains (selectBackend) imports it.
await registerAllGradients();

/** True when the gradients tfjs-core ships are registered (a cheap sanity check). */
export function tfjsGradientsRegistered(): boolean {
  return getGradient('Conv2D') !== undefined && getGradient('BatchMatMul') !== undefined;
}
