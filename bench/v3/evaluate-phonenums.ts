// A thin driver for V3's evidence: runs the CPU preset, the control (the four V3 weights 0) and
// the untrained floor (0 steps) through `untangle run`, whose eval section computes everything
// (configs/phonenums-v3.yaml: the content-style metric components), then prints the table from
// the runs' `eval/step-*.json` artifacts. Nothing is measured here.
//
//   npx tsx bench/v3/evaluate-phonenums.ts [--data phonenums|insnotes] [--only preset,control,floor]
//       [--runs preset=RUN_DIR,control=RUN_DIR,floor=RUN_DIR] [override ...]
//
// `--runs` skips training and tabulates existing runs (their artifact directories); overrides
// (Hydra syntax) are passed to every run.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

type Arm = 'preset' | 'control' | 'floor';
const ARMS: Arm[] = ['preset', 'control', 'floor'];
const CONFIGS: Record<string, string[]> = {
  phonenums: ['configs/phonenums-v3.yaml', 'configs/scale/cpu-v3-phonenums.yaml'],
  insnotes: ['configs/insnotes-v3.yaml', 'configs/scale/cpu-v3-insnotes.yaml'],
};
const ARM_OVERRIDES: Record<Arm, string[]> = {
  preset: [],
  control: ['loss.params.weights.content_loss=0', 'loss.params.weights.style_loss=0', 'loss.params.weights.sample_loss=0', 'loss.params.weights.fragment_loss=0'],
  floor: ['trainer.max_steps=0'],
};

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const data = opt('--data') ?? 'phonenums';
const only = (opt('--only') ?? ARMS.join(',')).split(',') as Arm[];
const given = Object.fromEntries((opt('--runs') ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [Arm, string]));
const overrides = args;
if (!CONFIGS[data]) throw new Error(`--data must be one of ${Object.keys(CONFIGS).join(', ')}`);

/** Runs one arm; resolves with its artifact directory and wall time. */
function runArm(arm: Arm): Promise<{ dir: string; wallS: number }> {
  const argv = ['bin/untangle.mjs', 'run', '--base', ...CONFIGS[data], ...ARM_OVERRIDES[arm], `name=${data}-v3-${arm}`, ...overrides];
  console.error(`\n$ node ${argv.join(' ')}`);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    // The CLI prints the run line (`run ID (name) → file:DIR`) on stderr, the scores on stdout.
    const child = spawn('node', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const tee = (d: Buffer) => { out += d; process.stderr.write(d); };
    child.stdout.on('data', tee);
    child.stderr.on('data', tee);
    child.on('close', (code) => {
      const m = /→ file:(\S+)/.exec(out);
      if (code !== 0 || !m) reject(new Error(`${arm}: untangle run exited ${code}`));
      else resolve({ dir: join(m[1], 'artifacts'), wallS: (Date.now() - t0) / 1000 });
    });
  });
}

type Scores = Record<string, Record<string, number>>;
function lastEval(dir: string): Scores {
  const evalDir = join(dir, 'eval');
  const last = readdirSync(evalDir).filter((f) => /^step-\d+\.json$/.test(f)).sort().at(-1);
  if (!last) throw new Error(`no eval/step-*.json in ${dir}`);
  return JSON.parse(readFileSync(join(evalDir, last), 'utf8')) as Scores;
}

const ROWS: [string, string, string][] = [
  ['content → content label, p@1 (v2026)', 'retrieval/v2026/zc_content/precision_at_1', '≥ 0.8'],
  ['content → style label, p@1', 'retrieval/v2026/zc_style/precision_at_1', '≤ 0.3'],
  ['style → style label, p@1', 'retrieval/v2026/zs_style/precision_at_1', '≥ 0.9'],
  ['style → content label, p@1', 'retrieval/v2026/zs_content/precision_at_1', '≤ 0.25'],
  ['content → content label, PR-AUC (v2025)', 'retrieval/v2025/zc_content/auc', ''],
  ['content → style label, PR-AUC', 'retrieval/v2025/zc_style/auc', ''],
  ['style → style label, PR-AUC', 'retrieval/v2025/zs_style/auc', ''],
  ['style → content label, PR-AUC', 'retrieval/v2025/zs_content/auc', ''],
  ['codebook accuracy (weighted)', 'codebook/codebook_accuracy_weighted', '≥ 0.7'],
  ['codebook accuracy (upstream, unweighted)', 'codebook/codebook_accuracy', ''],
  ['atoms in use', 'codebook/atoms_in_use', '≥ 8'],
  ['zero-shot OOD accuracy', 'zero_shot_ood/zero_shot_accuracy', ''],
  ['style: nearest code on the same page / same colour, other page, same digit', 'neighbours/zs/same_sample|neighbours/zs/other_sample_same_style_same_content', ''],
  ['style distance: within page / same colour, other page / other colour', 'neighbours/zs/dist_same_sample|neighbours/zs/dist_same_style_other_sample|neighbours/zs/dist_other_style', ''],
  ['content: nearest code same digit, same colour / same digit, other colour', 'neighbours/zc/other_sample_same_style_same_content|neighbours/zc/other_style_same_content', ''],
  ['few-shot OOD accuracy, 1 / 5 / 10 shots', 'few_shot_ood/few_shot_accuracy_1|few_shot_ood/few_shot_accuracy_5|few_shot_ood/few_shot_accuracy_10', ''],
];

const results: Partial<Record<Arm, { dir: string; wallS?: number; scores: Scores }>> = {};
for (const arm of only) {
  const r = given[arm] ? { dir: given[arm], wallS: undefined } : await runArm(arm);
  results[arm] = { ...r, scores: lastEval(r.dir) };
}
const get = (s: Scores, path: string) => path.split('|').map((p) => {
  const [metric, ...key] = p.split('/');
  const v = s[metric]?.[key.join('/')];
  return v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(3);
}).join(' / ');
const arms = only.filter((a) => results[a]);
console.log(`\n| ${data} | target | ${arms.join(' | ')} |\n|---|---|${arms.map(() => '---|').join('')}`);
for (const [label, path, target] of ROWS) console.log(`| ${label} | ${target} | ${arms.map((a) => get(results[a]!.scores, path)).join(' | ')} |`);
console.log(`| wall time (s, shared machine) | | ${arms.map((a) => results[a]!.wallS?.toFixed(0) ?? '—').join(' | ')} |`);
for (const a of arms) console.log(`${a}: ${results[a]!.dir}`);
