/**
 * runtime.device through the real CLI and backend selection, on a machine without a GPU: 'cuda'
 * is a config-time error that says which libtorch was found (nothing is recorded), 'cuda' with a
 * CPU-only backend is an error naming both, and a run with 'cpu' records the device and the
 * libtorch it linked in its tags (compared with what the torch Python package says about itself).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../framework/backends/select.ts';
import { FileStore } from '../framework/tracking/filestore.ts';
import { UntangleError } from '../framework/util/errors.ts';
import { REPO, untangle } from './helpers/cli.ts';
import { available, pythonTorch, registration } from '../packages/tfjs-backend-libtorch/test/harness.ts';

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'untangle-device-'));
  mkdirSync(join(dir, 'configs'));
  copyFileSync(join(REPO, 'configs', 'dsprites-betavae.yaml'), join(dir, 'configs', 'dsprites-betavae.yaml'));
  return dir;
}

const py = available && registration.versions.libtorchSource?.includes('torch package') ? pythonTorch() : null;
const cpuLibtorch = py !== null && py.cuda === null;

describe('runtime.device', () => {
  it.runIf(cpuLibtorch)("'cuda' on a CPU libtorch fails at config time, saying what was found, and records nothing", async () => {
    const dir = workdir();
    const r = await untangle(['run', '--base', 'configs/dsprites-betavae.yaml', 'runtime.device=cuda', 'trainer.max_steps=1'], dir);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('error[device_unavailable]: runtime.device cuda cannot be used: device cuda requested, but ' +
      `libtorch ${py!.version} linked from ${registration.versions.libtorchLib}; compiled without CUDA`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a value, not a stack trace
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it("'cuda' with a CPU-only backend names both", async () => {
    const err = await selectBackend('wasm', { device: 'cuda:1' }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UntangleError);
    expect((err as UntangleError).code).toBe('device_unsupported');
    expect((err as UntangleError).message).toBe("runtime.device cuda:1 needs the libtorch backend; 'wasm' runs on the CPU only");
    const bad = await selectBackend('auto', { device: 'gpu0' }).then(() => null, (e: unknown) => e);
    expect((bad as UntangleError).code).toBe('device_unknown');
  });

  it('rejects a malformed device in the config before anything runs', async () => {
    const dir = workdir();
    const r = await untangle(['run', '--base', 'configs/dsprites-betavae.yaml', 'runtime.device=gpu', 'trainer.max_steps=1'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('runtime.device');
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it.runIf(cpuLibtorch)("a run on 'cpu' records the device and the linked libtorch in its tags", async () => {
    const dir = workdir();
    const r = await untangle(['run', '--base', 'configs/dsprites-betavae.yaml', 'runtime.backend=libtorch', 'runtime.device=cpu',
      'trainer.max_steps=1', 'eval.at_end=false'], dir);
    expect(r.status, r.stderr).toBe(0);
    const [run] = new FileStore(join(dir, 'runs')).searchRuns();
    expect(run.tags['untangle.backend.device']).toBe('cpu');
    expect(run.tags['untangle.backend.libtorch']).toBe(py!.version);
    expect(run.tags['untangle.backend.libtorchCuda']).toBe('not compiled');
    expect(run.tags['untangle.backend.gpu']).toBeUndefined();
    expect(run.tags['untangle.backend.reason']).toContain('device cpu');
  });
});
