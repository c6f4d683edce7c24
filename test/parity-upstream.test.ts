import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One-step parity with the authors' PyTorch code on identical weights (bench/parity/README.md).
 * The upstream checkouts are not part of the project: set UNTANGLE_UPSTREAM to a folder holding
 * them by their repository names (Beta-VAE, Disentangled-Sequential-Autoencoder, DisDiff), e.g.
 *   UNTANGLE_UPSTREAM=/work/upstream npx vitest run test/parity-upstream.test.ts
 * Without it these checks are skipped, so CI without the checkouts stays green. The Adam check at
 * the end needs only torch.
 */
const root = process.env.UNTANGLE_UPSTREAM;
const checkout = (name: string): string | null => (root && existsSync(join(root, name)) ? join(root, name) : null);
const hasTorch = spawnSync('python3', ['-c', 'import torch, safetensors'], { stdio: 'ignore' }).status === 0;

interface Case { pass: boolean; loss_rel_err: number; worst_grad: { tensor: string; rel_err: number }; tensors: number }

function runCheck(script: string, upstream: string): { pass: boolean; cases: Case[] } {
  const out = mkdtempSync(join(tmpdir(), 'untangle-parity-'));
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  const r = spawnSync('python3', [join('bench/parity', script), upstream, out], { encoding: 'utf8', env, timeout: 600_000 });
  if (!existsSync(join(out, 'parity.json'))) throw new Error(`${script} wrote no report (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  const rep = JSON.parse(readFileSync(join(out, 'parity.json'), 'utf8')) as Case & { cases?: Case[] };
  return { pass: rep.pass, cases: rep.cases ?? [rep] };
}

if (!root) {
  describe('upstream parity', () => {
    it.skip('skipped: set UNTANGLE_UPSTREAM to a folder with the upstream checkouts (see bench/parity/README.md)', () => {});
  });
}

describe.skipIf(!root || !hasTorch)('one-step parity with the upstream PyTorch code, identical weights', () => {
  it.skipIf(!checkout('Beta-VAE'))('β-VAE on dSprites vs 1Konny/Beta-VAE BetaVAE_H: same loss to float32 rounding, same gradients', () => {
    const rep = runCheck('betavae-step.py', checkout('Beta-VAE')!);
    for (const c of rep.cases) {
      expect(c.tensors).toBe(24);                      // every parameter of the upstream model compared
      expect(c.loss_rel_err).toBeLessThan(1e-5);
      expect(c.worst_grad.rel_err).toBeLessThan(1e-4);
    }
    expect(rep.pass).toBe(true);
  }, 600_000);

  it.skipIf(!checkout('Disentangled-Sequential-Autoencoder'))('DSVAE on Sprites vs yatindandi DisentangledVAE (twin): same loss and gradients, MSE and Bernoulli', () => {
    const rep = runCheck('dsvae-step.py', checkout('Disentangled-Sequential-Autoencoder')!);
    expect(rep.cases.length).toBe(2);
    for (const c of rep.cases) {
      expect(c.loss_rel_err).toBeLessThan(1e-5);
      // Long float32 chains (4 convs + GroupNorm, 8-step BiLSTMs): measured ≤ 3.1e-5.
      expect(c.worst_grad.rel_err).toBeLessThan(5e-4);
    }
    expect(rep.pass).toBe(true);
  }, 600_000);

  it.skipIf(!checkout('DisDiff'))('DisDiff stage on Shapes3D vs ThomasMrY LatentDiffusion.p_losses/dis_loss: same loss and gradients of all 121 trainable tensors', () => {
    const rep = runCheck('disdiff-step.py', checkout('DisDiff')!);
    for (const c of rep.cases) {
      expect(c.tensors).toBe(121);                     // encoder, unit embeddings, code projection, shift decoder
      expect(c.loss_rel_err).toBeLessThan(1e-5);       // measured 1.5e-6
      // measured ≤ 5.2e-5 (before the two fixes: 2.8e-2 from the UNet's GroupNorm ε, 0.40 from clipping)
      expect(c.worst_grad.rel_err).toBeLessThan(5e-4);
    }
    expect(rep.pass).toBe(true);
  }, 600_000);

  it.skipIf(!checkout('DisDiff'))('DisDiff side-by-side: the twin\'s weights map back into untangle\'s names exactly (all 121 trainable tensors, random values)', () => {
    const out = mkdtempSync(join(tmpdir(), 'untangle-disdiff-rt-'));
    const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
    // Any DisDiff-stage export will do: the mapping depends on the shapes, not on a trained LDM.
    const ex = spawnSync('npx', ['tsx', 'bench/parity/export-step.ts', '--out', out, '--batch', '2', '--run-config',
      'shapes3d-ldm=configs/shapes3d-ldm.yaml,configs/scale/cpu-ldm.yaml', '--base', 'configs/shapes3d-dis.yaml', 'configs/scale/cpu-dis.yaml',
      'model.params.ldm_ckpt=null'], { encoding: 'utf8', env, timeout: 300_000 });
    expect(ex.status, ex.stderr.slice(-2000)).toBe(0);
    const r = spawnSync('python3', ['bench/parity/disdiff-train.py', 'roundtrip', checkout('DisDiff')!, out], { encoding: 'utf8', env, timeout: 300_000 });
    const rep = JSON.parse(r.stdout.trim().split('\n').pop()!) as { trainable: number; trainable_unmapped: string[]; mismatched: string[]; pass: boolean };
    expect(rep.trainable).toBe(121);
    expect(rep.trainable_unmapped).toEqual([]);
    expect(rep.mismatched).toEqual([]);
    expect(rep.pass).toBe(true);
  }, 600_000);
});

describe.skipIf(!hasTorch)('optimiser parity with torch.optim.Adam (needs torch only)', () => {
  it('4800 Adam updates on the selected backend follow torch.optim.Adam on the same gradients to float32 rounding', () => {
    const out = mkdtempSync(join(tmpdir(), 'untangle-adam-'));
    const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
    const ts = spawnSync('npx', ['tsx', 'bench/parity/adam-trajectory.ts', out], { encoding: 'utf8', env, timeout: 300_000 });
    expect(ts.status, ts.stderr.slice(-2000)).toBe(0);
    const py = spawnSync('python3', ['bench/parity/adam-trajectory.py', out], { encoding: 'utf8', env, timeout: 300_000 });
    expect(py.status, py.stderr.slice(-2000)).toBe(0);
    const rows = JSON.parse(py.stdout) as { step: number; max_abs: number; rel_to_travel: number }[];
    expect(rows.map((r) => r.step)).toEqual([600, 1200, 1800, 2400, 3000, 3600, 4200, 4800]);
    // measured on libtorch: ≤ 3.7e-8 absolute, ≤ 3.6e-6 of the distance travelled
    for (const r of rows) expect(r.rel_to_travel).toBeLessThan(1e-4);
  }, 600_000);
});
