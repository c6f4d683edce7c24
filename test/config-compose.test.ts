import { describe, it, expect } from 'vitest';
import { composeConfig } from '../framework/config/compose.ts';
import { ConfigError, type ConfigIssue } from '../framework/config/issues.ts';
import { describeOrigin } from '../framework/config/origin.ts';
import { writeTree } from './helpers/fixtures.ts';
import { toyRegistry } from './helpers/toy-registry.ts';

const BASE = `model:
  target: toy.models.Net
  params:
    width: 16
    lr: 1.0e-3
loss:
  target: toy.losses.MSE
data:
  batch_size: 4
  train:
    target: toy.datasets.Grid
`;

function issuesOf(fn: () => unknown): ConfigIssue[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('load and merge', () => {
  it('merges left to right: maps deep-merge, lists and scalars replace', () => {
    const dir = writeTree({
      'a.yaml': `${BASE}extra:\n  list: [1, 2, 3]\n  keep: yes-a\n`,
      'b.yaml': 'model:\n  params:\n    width: 32\n',
    });
    const r = composeConfig({ baseFiles: ['a.yaml', 'b.yaml'], overrides: [], registry: toyRegistry(), cwd: dir, schema: { type: 'object' } });
    expect((r.config.model as { params: { width: number; lr: number } }).params).toEqual({ width: 32, lr: 1e-3 });
  });

  it('list replaces instead of appending; ??? in a later layer does not clobber', () => {
    const dir = writeTree({ 'a.yaml': 'x: {l: [1, 2, 3], v: 5}\n', 'b.yaml': "x: {l: [9], v: '???'}\n" });
    const r = composeConfig({ baseFiles: ['a.yaml', 'b.yaml'], overrides: [], registry: toyRegistry(), cwd: dir, schema: { type: 'object' } });
    expect(r.config.x).toEqual({ l: [9], v: 5 });
  });

  it('a file lists its own defaults relative to itself, merged before it', () => {
    const dir = writeTree({
      'configs/base/model.yaml': 'model:\n  target: toy.models.Net\n  params: {width: 4}\n',
      'configs/run.yaml': `defaults:\n  - base/model\nmodel:\n  params: {width: 64}\nloss: {target: toy.losses.MSE}\ndata: {train: {target: toy.datasets.Grid}}\n`,
    });
    const r = composeConfig({ baseFiles: ['configs/run.yaml'], overrides: [], registry: toyRegistry(), cwd: dir });
    expect((r.config.model as { params: { width: number } }).params.width).toBe(64);
    expect((r.config.model as { target: string }).target).toBe('toy.models.Net');
  });
});

describe('overrides', () => {
  const dir = writeTree({ 'a.yaml': BASE });
  const compose = (overrides: string[]) => composeConfig({ baseFiles: ['a.yaml'], overrides, registry: toyRegistry(), cwd: dir });

  it('key=value sets; floats stay numbers; +key adds; ++ adds or sets; ~ deletes', () => {
    const r = compose(['model.params.lr=1e-4', '+model.params.encoder={target: toy.models.Encoder}', '++data.batch_size=8', '~model.params.width']);
    const params = (r.config.model as { params: Record<string, unknown> }).params;
    expect(params.lr).toBe(1e-4);
    expect(typeof params.lr).toBe('number');
    expect(params.encoder).toEqual({ target: 'toy.models.Encoder', params: { depth: 2 } });
    expect((r.config.data as { batch_size: number }).batch_size).toBe(8);
    expect(params.width).toBe(8); // deleted, then refilled by the schema default
  });

  it('hydra-style unspaced flow maps and lists parse', () => {
    const r = composeConfig({ baseFiles: ['a.yaml'], overrides: ['+extra={a:1,b:[1,2]}'], registry: toyRegistry(), cwd: dir, schema: { type: 'object' } });
    expect(r.config.extra).toEqual({ a: 1, b: [1, 2] });
  });

  it('a misspelt key is an error with a suggestion', () => {
    const issues = issuesOf(() => compose(['model.params.widht=3']));
    expect(issues).toHaveLength(1);
    expect(issues[0].code).toBe('override-missing-key');
    expect(issues[0].suggestion).toBe('model.params.width');
  });

  it('+key on an existing key is refused', () => {
    const issues = issuesOf(() => compose(['+model.params.width=3']));
    expect(issues[0].code).toBe('override-exists');
  });
});

describe('interpolation', () => {
  it('resolves absolute, relative, env and env defaults, keeping types', () => {
    const dir = writeTree({
      'a.yaml': `${BASE}common: {size: 7}\nextra:\n  n: \${common.size}\n  sib: \${.n}\n  up: \${..common.size}\n  s: "w\${common.size}"\n  home: \${env:UNTANGLE_TEST_VAR}\n  dflt: \${env:UNTANGLE_TEST_UNSET,fallback}\n`,
    });
    const r = composeConfig({ baseFiles: ['a.yaml'], overrides: [], registry: toyRegistry(), cwd: dir, schema: { type: 'object' }, env: { UNTANGLE_TEST_VAR: '/x' } });
    expect(r.config.extra).toEqual({ n: 7, sib: 7, up: 7, s: 'w7', home: '/x', dflt: 'fallback' });
  });

  it('rejects a cycle, naming it', () => {
    const dir = writeTree({ 'a.yaml': 'a: ${b}\nb: ${c}\nc: ${a}\n' });
    const issues = issuesOf(() => composeConfig({ baseFiles: ['a.yaml'], overrides: [], registry: toyRegistry(), cwd: dir, schema: { type: 'object' } }));
    expect(issues.some((i) => i.code === 'interpolation-cycle' && /a -> b -> c -> a/.test(i.message))).toBe(true);
  });

  it('a ??? left unset is an error at its file and line', () => {
    const dir = writeTree({ 'a.yaml': `${BASE}extra:\n  need: ???\n` });
    const issues = issuesOf(() => composeConfig({ baseFiles: ['a.yaml'], overrides: [], registry: toyRegistry(), cwd: dir, schema: { type: 'object' } }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'missing-value', path: 'extra.need', file: 'a.yaml', line: 13 });
  });
});

describe('validation reports every problem at once', () => {
  it('unknown target, wrong kind, unknown key and wrong type, each with file, line and suggestion', () => {
    const dir = writeTree({
      'bad.yaml': `model:
  target: toy.models.Nett
loss:
  target: toy.datasets.Grid
data:
  batch_size: four
  train:
    target: toy.datasets.Grid
    params:
      sise: 3
`,
    });
    const issues = issuesOf(() => composeConfig({ baseFiles: ['bad.yaml'], overrides: [], registry: toyRegistry(), cwd: dir }));
    const byCode = Object.fromEntries(issues.map((i) => [i.code, i]));
    expect(byCode['unknown-target']).toMatchObject({ path: 'model.target', file: 'bad.yaml', line: 2, suggestion: 'toy.models.Net' });
    expect(byCode['wrong-kind']).toMatchObject({ path: 'loss.target', line: 4, got: 'dataset', suggestion: undefined });
    expect(byCode['type']).toMatchObject({ path: 'data.batch_size', line: 6, expected: 'integer', got: '"four"' });
    expect(byCode['unknown-key']).toMatchObject({ path: 'data.train.params.sise', line: 10, suggestion: 'size' });
    expect(issues).toHaveLength(4);
  });

  it('fills schema defaults and explains where each value came from', () => {
    const dir = writeTree({ 'a.yaml': BASE });
    const r = composeConfig({ baseFiles: ['a.yaml'], overrides: ['model.params.lr=0.5'], registry: toyRegistry(), cwd: dir });
    expect((r.config.data as { train: { params: { size: number } } }).train.params.size).toBe(10);
    expect(describeOrigin(r.provenance.lookup(['data', 'train', 'params', 'size'])!)).toBe('schema default of toy.datasets.Grid');
    expect(describeOrigin(r.provenance.lookup(['model', 'params', 'lr'])!)).toBe("override #1 'model.params.lr=0.5'");
    expect(describeOrigin(r.provenance.lookup(['model', 'params', 'width'])!)).toBe('a.yaml:4:5');
    expect(r.provenance.historyOf(['model', 'params', 'lr']).map((o) => o.kind)).toEqual(['file', 'override']);
  });

  it('a YAML syntax error names its line; a missing file is named', () => {
    const dir = writeTree({ 'a.yaml': 'model:\n  target: x\n   bad: [\n' });
    const syntax = issuesOf(() => composeConfig({ baseFiles: ['a.yaml'], overrides: [], registry: toyRegistry(), cwd: dir }));
    expect(syntax[0].code).toBe('yaml-syntax');
    expect(syntax[0].line).toBeGreaterThanOrEqual(2);
    const missing = issuesOf(() => composeConfig({ baseFiles: ['nope.yaml'], overrides: [], registry: toyRegistry(), cwd: dir }));
    expect(missing[0]).toMatchObject({ code: 'missing-file', file: 'nope.yaml' });
  });

  it('the config hash ignores key order and changes with values', () => {
    const d1 = writeTree({ 'a.yaml': BASE });
    const d2 = writeTree({ 'a.yaml': BASE.split('\n').reverse().join('\n') === '' ? BASE : `loss:\n  target: toy.losses.MSE\n${BASE.replace('loss:\n  target: toy.losses.MSE\n', '')}` });
    const h1 = composeConfig({ baseFiles: ['a.yaml'], overrides: [], registry: toyRegistry(), cwd: d1 }).hash;
    const h2 = composeConfig({ baseFiles: ['a.yaml'], overrides: [], registry: toyRegistry(), cwd: d2 }).hash;
    const h3 = composeConfig({ baseFiles: ['a.yaml'], overrides: ['model.params.width=17'], registry: toyRegistry(), cwd: d1 }).hash;
    expect(h1).toBe(h2);
    expect(h3).not.toBe(h1);
  });
});

