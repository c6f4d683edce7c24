import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs PyTorch reference computations in a python3 subprocess: one call per test file, with all
 * of its cases in one JSON payload (torch's import costs seconds). The Python side is
 * `torch_reference.py` next to this file; it knows each case's `op`.
 *
 * Without torch, tests skip with a message, except under CI=true, where a missing reference is a
 * failure (CI installs torch).
 */
const SCRIPT = fileURLToPath(new URL('./torch_reference.py', import.meta.url));

export interface TorchStatus {
  ok: boolean;
  reason: string;
}

let cached: TorchStatus | null = null;

export function torchStatus(): TorchStatus {
  if (cached) return cached;
  const r = spawnSync('python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  cached = r.status === 0
    ? { ok: true, reason: `torch ${r.stdout.trim()}` }
    : { ok: false, reason: `python3 with torch is not available (${(r.stderr || String(r.error ?? '')).trim().split('\n').pop()})` };
  return cached;
}

/** Fails under CI=true when torch is missing, otherwise reports the skip. */
export function assertTorchOrExplainSkip(): void {
  const s = torchStatus();
  if (s.ok) return;
  if (process.env.CI === 'true') throw new Error(`PyTorch reference required in CI: ${s.reason}`);
  console.warn(`[skip] PyTorch reference tests skipped: ${s.reason}`);
}

export type Json = number | string | boolean | null | Json[] | { [k: string]: Json };

/** Send `cases` to torch_reference.py; returns one result per case, in order. */
export function runTorch(cases: Json[]): Json[] {
  const r = spawnSync('python3', [SCRIPT], {
    input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`torch_reference.py failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as Json[];
}

/**
 * Registers tfjs-core's gradients, which its Node entry leaves out. The registration module lives
 * in framework/backends (another part of the project); when it is absent, gradient tests skip
 * (and fail under CI=true).
 */
export async function loadTfjsGradients(): Promise<{ ok: boolean; reason: string }> {
  const path = '../../framework/backends/tfjs-gradients.ts';
  try {
    await import(/* @vite-ignore */ path);
    return { ok: true, reason: '' };
  } catch (e) {
    return { ok: false, reason: `gradient registration ${path} not loadable: ${(e as Error).message.split('\n')[0]}` };
  }
}
