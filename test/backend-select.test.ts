/**
 * Backend selection: explicit requests load or fail loudly, `auto` falls back in the documented
 * order and records why. tfjs has one engine per process, so this file switches between cpu and
 * wasm inside one process (as the trainer may) and never assumes which backend came first.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  backendVersions,
  currentBackend,
  packageVersion,
  selectBackend,
  type BackendLoader,
  type BackendRequest,
} from '../framework/backends/select.ts';
import { isUntangleError, UntangleError } from '../framework/util/errors.ts';
import { tfjsGradientsRegistered } from '../framework/backends/tfjs-gradients.ts';

const unavailable =
  (reason: string): BackendLoader =>
  async () => ({ ok: false, reason, versions: {} });

async function rejection(p: Promise<unknown>): Promise<UntangleError> {
  try {
    await p;
  } catch (e) {
    if (isUntangleError(e)) return e;
    throw e;
  }
  throw new Error('expected an UntangleError, got success');
}

/** A computation whose answer is known in closed form: d/dx Σ x² = 2x. */
function gradOfSumSquares(): number[] {
  const x = tf.tensor1d([1, -2, 3]);
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(v)))(x);
  const out = Array.from(g.dataSync());
  tf.dispose([x, g]);
  return out;
}

describe('selectBackend', () => {
  it('cpu on request: active, versions reported, gradients work', async () => {
    const lines: string[] = [];
    const choice = await selectBackend('cpu', { log: (l) => lines.push(l) });
    expect(choice.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(choice.versions['tfjs-core']).toBe(tf.version_core);
    expect(choice.versions['tfjs-backend-cpu']).toBe('4.22.0');
    expect(choice.tried).toEqual([{ name: 'cpu', ok: true, reason: expect.any(String) }]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backend: cpu — requested explicitly/);
    expect(tfjsGradientsRegistered()).toBe(true);
    expect(gradOfSumSquares()).toEqual([2, -4, 6]);
  });

  it('wasm on request: SIMD single-thread build with the training kernels', async () => {
    const choice = await selectBackend('wasm', { threads: 4 });
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.versions).toMatchObject({
      backend: 'wasm',
      'tfjs-core': '4.22.0',
      'tfjs-backend-wasm': '4.22.0',
      'wasm.simd': 'true',
      'wasm.threads': '1',
    });
    expect(choice.versions['wasm.kernels']).toMatch(/^untangle-wasm-train-/);
    expect(choice.reason).toMatch(/threads=4 ignored/);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(gradOfSumSquares()).toEqual([2, -4, 6]);
    expect(currentBackend()?.name).toBe('wasm');
    expect(backendVersions()).toEqual(choice.versions);
  });

  it('packageVersion reads installed versions and reports absent packages as undefined', () => {
    expect(packageVersion('@tensorflow/tfjs-core')).toBe(tf.version_core);
    expect(packageVersion('@tensorflow/tfjs-backend-wasm')).toBe('4.22.0');
    expect(packageVersion('@untangle/no-such-package')).toBeUndefined();
  });

  it('an unknown backend is an UntangleError listing the valid names', async () => {
    const err = await rejection(selectBackend('webgpu' as BackendRequest));
    expect(err.code).toBe('backend_unknown');
    expect(err.message).toContain("'webgpu'");
    expect(err.hint).toContain('auto, tensorflow, libtorch, wasm, cpu');
  });

  const tfjsNodeInstalled = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'].some((p) => packageVersion(p) !== undefined);
  it.skipIf(tfjsNodeInstalled)('tensorflow without tfjs-node installed: a real load failure, explained', async () => {
    // tfjs-node cannot be installed here (its installer downloads libtensorflow)
    const err = await rejection(selectBackend('tensorflow'));
    expect(err.code).toBe('backend_unavailable');
    expect(err.message).toBe(
      "backend 'tensorflow' could not be loaded: @tensorflow/tfjs-node-gpu is not installed; @tensorflow/tfjs-node is not installed",
    );
    expect(err.context.requested).toBe('tensorflow');
    expect(err.hint).toMatch(/install @tensorflow\/tfjs-node/);
    expect(err.format()).toContain('hint:');
  });

  it('an explicit backend that does not load is an UntangleError naming it, why, and what to do', async () => {
    const lt = await rejection(selectBackend('libtorch', { loaders: { libtorch: unavailable('libtorch.so not found') } }));
    expect(lt.message).toBe("backend 'libtorch' could not be loaded: libtorch.so not found");
    expect(lt.hint).toMatch(/libtorch addon/);

    const thrown = await rejection(
      selectBackend('libtorch', {
        loaders: {
          libtorch: async () => {
            throw new Error('undefined symbol: _ZN2at4_ops');
          },
        },
      }),
    );
    expect(thrown.message).toContain('failed to load: undefined symbol: _ZN2at4_ops');
  });

  it('a failed explicit request keeps the previous backend active', async () => {
    await selectBackend('cpu');
    await rejection(selectBackend('libtorch', { loaders: { libtorch: unavailable('nope') } }));
    expect(tf.getBackend()).toBe('cpu');
  });

  it('auto tries tensorflow, then libtorch, then wasm, and records every reason', async () => {
    const lines: string[] = [];
    const choice = await selectBackend('auto', {
      log: (l) => lines.push(l),
      loaders: { tensorflow: unavailable('tfjs-node not installed'), libtorch: unavailable('addon not built') },
    });
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.tried.map((t) => [t.name, t.ok])).toEqual([
      ['tensorflow', false],
      ['libtorch', false],
      ['wasm', true],
    ]);
    expect(choice.reason).toContain('tensorflow: tfjs-node not installed');
    expect(choice.reason).toContain('libtorch: addon not built');
    expect(lines).toEqual([`backend: wasm — ${choice.reason}`]);
  });

  it('auto falls through to cpu when wasm does not load either', async () => {
    const choice = await selectBackend('auto', {
      loaders: {
        tensorflow: unavailable('a'),
        libtorch: unavailable('b'),
        wasm: unavailable('dist/tfjs-backend-wasm-simd.wasm is missing'),
      },
    });
    expect(choice.name).toBe('cpu');
    expect(choice.tried.map((t) => t.name)).toEqual(['tensorflow', 'libtorch', 'wasm', 'cpu']);
    expect(choice.reason).toContain('wasm: dist/tfjs-backend-wasm-simd.wasm is missing');
  });

  it('auto with nothing loadable is an UntangleError with every reason', async () => {
    const err = await rejection(
      selectBackend('auto', {
        loaders: { tensorflow: unavailable('t'), libtorch: unavailable('l'), wasm: unavailable('w'), cpu: unavailable('c') },
      }),
    );
    expect(err.code).toBe('backend_unavailable');
    expect(err.context.tried).toBe('tensorflow: t; libtorch: l; wasm: w; cpu: c');
  });

  it('auto with the real loaders: the optional engines fail with a reason, a tfjs backend is chosen', async () => {
    const choice = await selectBackend('auto');
    const tensorflow = choice.tried.find((t) => t.name === 'tensorflow');
    expect(tensorflow).toBeDefined();
    if (tensorflow && !tensorflow.ok) expect(tensorflow.reason).toMatch(/tfjs-node/);
    for (const t of choice.tried) expect(t.reason.length).toBeGreaterThan(0);
    expect(choice.tried[choice.tried.length - 1]).toMatchObject({ name: choice.name, ok: true });
    expect(['tensorflow', 'libtorch', 'wasm']).toContain(choice.name);
  });
});
