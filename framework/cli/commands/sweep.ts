import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ParsedArgs } from '../args.ts';
import { flag } from '../args.ts';
import type { ComponentRegistry } from '../../registry/registry.ts';
import type { ComponentNode } from '../../registry/types.ts';
import { UntangleError } from '../../util/errors.ts';
import { FileStore } from '../../tracking/filestore.ts';
import { localStoreDir } from '../../tracking/open.ts';
import { specFromArgs, specFromFile, LAUNCHER_TARGETS } from '../../sweep/spec.ts';
import { runSweep } from '../../sweep/run.ts';
import { loadSweep } from '../../sweep/manifest.ts';
import { buildReport, reportCsv, reportMarkdown, reportSeries } from '../../sweep/report.ts';
import { plotPng, PALETTE } from '../../util/plot.ts';

export const SWEEP_HELP = 'sweep --base a.yaml [key=a,b key=range(0,10,2) key=linspace(a,b,n) key=logspace(a,b,n) zip(k1=..,k2=..) key=value ...] [--jobs N] [--launcher local|slurm]\n'
  + '  untangle sweep experiments/x.yaml [more axes/overrides] [--jobs N] [--launcher local|slurm]\n'
  + '  untangle sweep report SWEEP_ID [--metric train/loss] [--axis lr] [--plot out.png] [--store runs]';

/** `untangle sweep ...` and `untangle sweep report SWEEP_ID`. */
export async function sweepCommand(args: ParsedArgs, registry: ComponentRegistry): Promise<number> {
  if (args.positionals[0] === 'report') return reportCommand(args);
  const launcher = launcherFromFlags(args);
  const file = args.positionals[0];
  if (args.positionals.length > 1) throw new UntangleError('cli-usage', `unexpected argument(s): ${args.positionals.slice(1).join(' ')}`, {}, SWEEP_HELP);
  let spec;
  if (file) {
    if (args.baseFiles.length) throw new UntangleError('cli-usage', 'give either a sweep file or --base, not both', {});
    spec = specFromFile(file, process.cwd(), args.overrides, launcher);
    if (!launcher && flag(args, 'jobs')) spec.launcher = { ...spec.launcher, params: { ...spec.launcher.params, jobs: jobsFlag(args) } };
  } else {
    if (!args.baseFiles.length) throw new UntangleError('cli-usage', 'untangle sweep needs --base FILE or a sweep file', {}, SWEEP_HELP);
    spec = specFromArgs(args.baseFiles, args.overrides, launcher ?? { target: LAUNCHER_TARGETS.local, params: { jobs: jobsFlag(args) ?? 1 } });
  }
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`${sig}: stopping the sweep (running trials are interrupted and marked KILLED)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const out = await runSweep({ registry, spec, signal: controller.signal });
    process.stdout.write(`${out.status} sweep ${out.sweepId} (parent run ${out.parentRunId}): ${out.trials.filter((t) => t.state === 'FINISHED').length}/${out.trials.length} trials finished\n`);
    for (const t of out.trials) process.stdout.write(`  ${t.id}  ${t.state.padEnd(8)}  ${t.runId ?? '-'.padEnd(32)}  ${t.args.join(' ')}\n`);
    return out.status === 'FINISHED' ? 0 : out.status === 'KILLED' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function jobsFlag(args: ParsedArgs): number | undefined {
  const j = flag(args, 'jobs');
  if (j === undefined) return undefined;
  const n = Number(j);
  if (!Number.isInteger(n) || n < 1) throw new UntangleError('cli-usage', `--jobs takes a positive integer, got '${j}'`, {});
  return n;
}

function launcherFromFlags(args: ParsedArgs): ComponentNode | undefined {
  const l = flag(args, 'launcher');
  if (!l) return undefined;
  const jobs = jobsFlag(args);
  return { target: LAUNCHER_TARGETS[l] ?? l, params: jobs === undefined ? {} : { jobs } };
}

/** Prints the table (Markdown) and saves CSV, Markdown and, with --axis, a PNG plot as artifacts of the sweep run. */
function reportCommand(args: ParsedArgs): number {
  const id = args.positionals[1];
  if (!id) throw new UntangleError('cli-usage', 'untangle sweep report needs a SWEEP_ID', {}, SWEEP_HELP);
  const store = new FileStore(localStoreDir(flag(args, 'store') ?? 'runs', process.cwd()));
  const { run, manifest } = loadSweep(store, id);
  const metric = flag(args, 'metric');
  const report = buildReport(store, manifest, metric ? metric.split(',') : undefined);
  const writer = store.openRun(run.info.runId);
  const csv = reportCsv(report);
  const md = reportMarkdown(report);
  writer.logArtifact('report/table.csv', csv);
  writer.logArtifact('report/table.md', md);
  process.stdout.write(`sweep ${manifest.sweepId}${report.seeded ? ' (mean ± sample std over seeds)' : ''}\n\n${md}\n`);
  const axis = flag(args, 'axis');
  const plotTo = flag(args, 'plot');
  if (axis || plotTo) {
    const m = report.metrics.includes('train/loss') && !metric ? 'train/loss' : report.metrics[0];
    const a = axis ?? report.keys[0];
    const series = reportSeries(report, m, a);
    const png = plotPng(series);
    const rel = `report/${m.replace(/\//g, '_')}-vs-${a}.png`;
    writer.logArtifact(rel, png);
    if (plotTo) writeFileSync(resolve(plotTo), png);
    process.stdout.write(`plot of ${m} against ${a}: artifact ${rel}${plotTo ? ` and ${plotTo}` : ''}\n`);
    if (series.length > 1) series.forEach((s, i) => process.stdout.write(`  line ${i + 1} (rgb ${PALETTE[i % PALETTE.length].join(',')}): ${s.label}\n`));
  }
  process.stdout.write(`saved report/table.csv and report/table.md in run ${run.info.runId}\n`);
  return 0;
}
