#!/usr/bin/env node
// Reads the JSON lines bench/backends/torch_ref.py and worker.ts printed (files given as
// arguments, any order) and prints, per workload, PyTorch's and libtorch's ms per training step
// and the speed ratio PyTorch ms / libtorch ms (1.0 = as fast as PyTorch; the target is >= 0.8).
// Exit status 0 whatever the ratios: a target not met is reported, not hidden in a status.
import { readFileSync } from 'node:fs';

const rows = process.argv.slice(2).flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)));
const key = (r) => `${r.workload}${r.batch ? ` b${r.batch}` : ''}`;
const by = (backend) => new Map(rows.filter((r) => r.backend === backend).map((r) => [key(r), r]));
const torch = by('pytorch'), lt = by('libtorch');
const target = 0.8;
const lines = ['| workload | device | PyTorch ms/step | libtorch ms/step | speed vs PyTorch | target >= 0.8x |', '|---|---|---|---|---|---|'];
let met = 0, total = 0;
for (const [k, p] of torch) {
  const l = lt.get(k);
  const cell = (r) => (r && typeof r.trainMs === 'number' ? r.trainMs.toFixed(2) : r?.error ? `error: ${r.error}` : 'missing');
  let ratio = '–', ok = 'n/a';
  if (l && typeof l.trainMs === 'number' && typeof p.trainMs === 'number') {
    const x = p.trainMs / l.trainMs;
    ratio = `${x.toFixed(2)}x`;
    ok = x >= target ? 'met' : 'NOT met';
    total++;
    if (x >= target) met++;
  }
  lines.push(`| ${k} | ${p.device ?? 'cpu'}${p.gpu ? ` (${p.gpu})` : ''} | ${cell(p)} | ${cell(l)} | ${ratio} | ${ok} |`);
}
console.log(lines.join('\n'));
console.log(`ratios: ${met} of ${total} workloads at or above ${target}x PyTorch's speed`);
