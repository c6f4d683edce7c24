import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { composeConfig } from '../framework/config/compose.ts';
import { ConfigError, type ConfigIssue } from '../framework/config/issues.ts';
import { describeOrigin } from '../framework/config/origin.ts';
import { listGroups, groupOptions } from '../framework/config/groups.ts';
import { defaultResolvers, RESOLVED_CONFIG_REL } from '../framework/trainer/resolvers.ts';
import { FileStore } from '../framework/tracking/filestore.ts';
import { writeTree } from './helpers/fixtures.ts';
import { toyRegistry } from './helpers/toy-registry.ts';

function issuesOf(fn: () => unknown): ConfigIssue[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** A config root with a model group (a nested net/encoder option), a data group and a _global_ scale group. */
const TREE = {
  'configs/model/net.yaml': 'target: toy.models.Net\nparams:\n  width: 16\n  lr: 1.0e-3\n',
  'configs/model/wide.yaml': 'defaults: [net, _self_]\nparams:\n  width: 64\n',
  'configs/model/encoder.yaml': 'target: toy.models.Encoder\nparams:\n  depth: 3\n',
  'configs/model/with-encoder.yaml': 'defaults:\n  - net\n  - model@params.encoder: encoder\n  - _self_\n',
  'configs/data/grid.yaml': 'batch_size: 4\ntrain:\n  target: toy.datasets.Grid\n',
  'configs/data/big.yaml': 'defaults: [grid, _self_]\nbatch_size: 32\n',
  'configs/scale/tiny.yaml': '# the scale preset\n# @package _global_\ndata:\n  batch_size: 2\nmodel:\n  params:\n    width: 2\n',
  'configs/exp.yaml': 'defaults:\n  - model: net\n  - data: grid\n  - _self_\nloss:\n  target: toy.losses.MSE\nmodel:\n  params:\n    lr: 0.5\n',
  'configs/typo.yaml': 'defaults:\n  - model: nett\n  - dta: grid\n  - _self_\nloss:\n  target: toy.losses.MSE\n',
};

const compose = (dir: string, base: string[], overrides: string[] = []) =>
  composeConfig({ baseFiles: base, overrides, registry: toyRegistry(), cwd: dir, schema: { type: 'object' } });
type M = Record<string, { target?: string; params: Record<string, unknown>; batch_size?: number }>;

describe('config groups', () => {
  it('a group option lands under the group name; the file itself is merged after it (_self_)', () => {
    const dir = writeTree(TREE);
    const r = compose(dir, ['configs/exp.yaml']);
    const c = r.config as M;
    expect(c.model).toEqual({ target: 'toy.models.Net', params: { width: 16, lr: 0.5 } });
    expect(c.data).toEqual({ batch_size: 4, train: { target: 'toy.datasets.Grid' } });
    expect(r.choices).toEqual({ model: 'net', data: 'grid' });
  });

  it('group@package places an option elsewhere, relative to the choosing file; # @package _global_ puts it at the root', () => {
    const dir = writeTree({ ...TREE, 'configs/e2.yaml': 'defaults:\n  - model: with-encoder\n  - data: grid\n  - scale: tiny\n  - _self_\n' });
    const c = compose(dir, ['configs/e2.yaml']).config as M;
    expect(c.model.params.encoder).toEqual({ target: 'toy.models.Encoder', params: { depth: 3 } });
    expect(c.model.params.width).toBe(2);
    expect(c.data.batch_size).toBe(2);
  });

  it('group=option on the command line replaces the choice; +group=option adds one after the --base files', () => {
    const dir = writeTree(TREE);
    const c = compose(dir, ['configs/exp.yaml'], ['model=wide', 'data=big']).config as M;
    expect(c.model.params).toEqual({ width: 64, lr: 0.5 });
    expect(c.data.batch_size).toBe(32);
    const s = compose(dir, ['configs/exp.yaml'], ['+scale=tiny']).config as M;
    expect(s.data.batch_size).toBe(2);
    const notChosen = issuesOf(() => compose(dir, ['configs/exp.yaml'], ['scale=tiny']));
    expect(notChosen).toEqual([expect.objectContaining({ code: 'group-not-chosen', path: 'scale', suggestion: expect.stringContaining('+scale=tiny') })]);
  });

  it('an unknown option or group names the file, line and defaults entry, with did-you-mean', () => {
    const dir = writeTree(TREE);
    const issues = issuesOf(() => compose(dir, ['configs/typo.yaml']));
    expect(issues).toEqual([
      expect.objectContaining({ code: 'unknown-option', file: 'configs/typo.yaml', line: 2, path: 'defaults[0].model', suggestion: 'net', expected: 'encoder, net, wide, with-encoder' }),
      expect.objectContaining({ code: 'unknown-group', file: 'configs/typo.yaml', line: 3, path: 'defaults[1].dta', suggestion: 'data' }),
    ]);
    const cli = issuesOf(() => compose(dir, ['configs/exp.yaml'], ['data=grd']));
    expect(cli).toEqual([expect.objectContaining({ code: 'unknown-option', suggestion: 'grid', message: expect.stringContaining("override 'data=grd'") })]);
    expect(cli[0].file).toBeUndefined();
  });

  it('provenance names the group file and the choice that set a value', () => {
    const dir = writeTree(TREE);
    const r = compose(dir, ['configs/exp.yaml'], ['model=wide']);
    const width = r.provenance.historyOf(['model', 'params', 'width']).map(describeOrigin);
    expect(width).toEqual(['configs/model/net.yaml:3:3 (group model=wide)', 'configs/model/wide.yaml:3:3 (group model=wide)']);
    expect(describeOrigin(r.provenance.lookup(['model', 'params', 'lr'])!)).toBe('configs/exp.yaml:9:5');
  });

  it('ls: the groups of a config root and their options', () => {
    const dir = writeTree(TREE);
    expect(listGroups(join(dir, 'configs'))).toEqual(['data', 'model', 'scale']);
    expect(groupOptions(join(dir, 'configs'), 'data')).toEqual(['big', 'grid']);
  });

  it('key=a,b given to a run is an error at the override that points to untangle sweep', () => {
    const dir = writeTree(TREE);
    const issues = issuesOf(() => compose(dir, ['configs/exp.yaml'], ['model.params.width=1,2']));
    expect(issues).toEqual([expect.objectContaining({ code: 'override-sweep', path: 'model.params.width', suggestion: expect.stringContaining('untangle sweep') })]);
    expect(issues[0].file).toBeUndefined();
    // A list is one value, not a sweep.
    expect((compose(dir, ['configs/exp.yaml'], ['+model.params.sizes=[1,2]']).config as M).model.params.sizes).toEqual([1, 2]);
  });
});

describe('${run_config:RUN,key}', () => {
  function storeWithRun(dir: string, status: 'FINISHED' | 'RUNNING'): string {
    const store = new FileStore(join(dir, 'runs'));
    const run = store.createRun({ experimentName: 'e', runName: 'up' });
    run.logArtifact(RESOLVED_CONFIG_REL, stringifyYaml({ model: { target: 'toy.models.Encoder', params: { depth: 7 } } }));
    if (status === 'FINISHED') run.end('FINISHED');
    return run.info.runId;
  }

  it('takes a subtree from the newest finished run of that name', () => {
    const dir = writeTree({ 'down.yaml': 'model:\n  target: toy.models.Net\n  params:\n    encoder: ${run_config:up,model}\n' });
    storeWithRun(dir, 'FINISHED');
    const c = composeConfig({ baseFiles: ['down.yaml'], overrides: [], registry: toyRegistry(), cwd: dir, schema: { type: 'object' }, resolvers: defaultResolvers(dir) }).config as M;
    expect(c.model.params.encoder).toEqual({ target: 'toy.models.Encoder', params: { depth: 7 } });
  });

  it('a missing key, a missing run or an unfinished one is a config error at the line that asks', () => {
    const dir = writeTree({ 'down.yaml': 'model:\n  target: toy.models.Net\n  params:\n    encoder: ${run_config:up,model.nope}\n' });
    const run = (d: string) => issuesOf(() => composeConfig({ baseFiles: ['down.yaml'], overrides: [], registry: toyRegistry(), cwd: d, schema: { type: 'object' }, resolvers: defaultResolvers(d) }));
    expect(run(dir)).toEqual([expect.objectContaining({ code: 'interpolation-resolver', file: 'down.yaml', line: 4, message: expect.stringContaining("no run named 'up'") })]);
    storeWithRun(dir, 'RUNNING');
    expect(run(dir)[0].message).toContain('has not finished');
    storeWithRun(dir, 'FINISHED');
    expect(run(dir)[0].message).toContain("has no key 'model.nope'");
  });
});

describe('the layers a run records', () => {
  it('a group option is recorded as written, with its choice and package', () => {
    const dir = writeTree(TREE);
    const r = compose(dir, ['configs/exp.yaml'], ['model=wide']);
    expect(r.raw.map((l) => [l.file, l.group?.choice, l.group?.package])).toEqual([
      ['configs/model/net.yaml', 'model=wide', 'model'],
      ['configs/model/wide.yaml', 'model=wide', 'model'],
      ['configs/data/grid.yaml', 'data=grid', 'data'],
      ['configs/exp.yaml', undefined, undefined],
    ]);
    expect(r.raw[1].text).toBe(TREE['configs/model/wide.yaml']);
  });
});
