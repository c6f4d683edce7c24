import { describe, it, expect } from 'vitest';
import { existsSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTree } from './helpers/fixtures.ts';
import { untangle, REPO } from './helpers/cli.ts';

/**
 * Every kind of bad input gets a clear message naming file, line and key path, a non-zero exit,
 * and nothing half-written: no run appears in the store.
 */
function setup(files: Record<string, string>): string {
  const dir = writeTree(files);
  mkdirSync(join(dir, 'configs'), { recursive: true });
  copyFileSync(join(REPO, 'configs', 'dsprites-betavae.yaml'), join(dir, 'configs', 'dsprites-betavae.yaml'));
  return dir;
}

async function expectRejected(dir: string, args: string[], ...fragments: (string | RegExp)[]): Promise<string> {
  const r = await untangle(['run', ...args], dir);
  expect(r.status, r.stderr).toBe(2);
  for (const f of fragments) {
    if (typeof f === 'string') expect(r.stderr).toContain(f);
    else expect(r.stderr).toMatch(f);
  }
  expect(existsSync(join(dir, 'runs'))).toBe(false);
  return r.stderr;
}

describe('untangle run rejects bad input before anything runs', () => {
  it('unknown target, with did-you-mean', async () => {
    const dir = setup({ 'bad.yaml': 'defaults: [configs/dsprites-betavae]\nmodel:\n  target: untangle.models.BetaVea\n' });
    await expectRejected(dir, ['--base', 'bad.yaml'], 'bad.yaml:3:3: model.target: unknown model target', 'did you mean: untangle.models.BetaVAE');
  });

  it('misspelt key, with did-you-mean', async () => {
    const dir = setup({ 'bad.yaml': 'defaults: [configs/dsprites-betavae]\nmodel:\n  params:\n    lattent_dim: 10\n' });
    await expectRejected(dir, ['--base', 'bad.yaml'], "bad.yaml:4:5: model.params.lattent_dim: unknown key 'lattent_dim'", 'did you mean: latent_dim');
  });

  it('wrong type', async () => {
    const dir = setup({ 'bad.yaml': 'defaults: [configs/dsprites-betavae]\ndata:\n  batch_size: sixty-four\n' });
    await expectRejected(dir, ['--base', 'bad.yaml'], 'bad.yaml:3:3: data.batch_size: wrong type', 'expected: integer', 'got: "sixty-four"');
  });

  it('missing ??? value', async () => {
    // A later layer's ??? never clobbers a set value (OmegaConf), so the file itself leaves it unset.
    const text = readFileSync(join(REPO, 'configs', 'dsprites-betavae.yaml'), 'utf8').replace('beta: 4', "beta: '???'");
    const line = text.split('\n').findIndex((l) => l.includes("beta: '???'")) + 1;
    const dir = setup({ 'bad.yaml': text });
    await expectRejected(dir, ['--base', 'bad.yaml'], `bad.yaml:${line}:5: loss.params.beta: mandatory value`, '???');
  });

  it('interpolation cycle', async () => {
    const dir = setup({ 'bad.yaml': 'defaults: [configs/dsprites-betavae]\nmodel:\n  params:\n    latent_dim: ${model.params.hidden}\n    hidden: ${model.params.latent_dim}\n' });
    await expectRejected(dir, ['--base', 'bad.yaml'], /interpolation cycle: model\.params\.(latent_dim|hidden) -> .* -> model\.params\.(latent_dim|hidden)/);
  });

  it('YAML syntax error, with its line', async () => {
    const dir = setup({ 'bad.yaml': 'model:\n  target: untangle.models.BetaVAE\n  params: {latent_dim: 10\nloss: x\n' });
    await expectRejected(dir, ['--base', 'bad.yaml'], /bad\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('missing file', async () => {
    const dir = setup({});
    await expectRejected(dir, ['--base', 'configs/dsprites-betavea.yaml'], 'config file not found: configs/dsprites-betavea.yaml');
  });

  it('override of a key that does not exist, with did-you-mean; an override is never read as a file', async () => {
    const dir = setup({});
    await expectRejected(dir, ['--base', 'configs/dsprites-betavae.yaml', 'trainer.max_step=300'], "override 'trainer.max_step=300'", 'did you mean: trainer.max_steps');
  });

  it('several values for one key is a sweep: the override is blamed, not the YAML, and untangle sweep named', async () => {
    const dir = setup({});
    const err = await expectRejected(dir, ['--base', 'configs/dsprites-betavae.yaml', 'trainer.max_steps=1,2'], "<command line>: trainer.max_steps: override 'trainer.max_steps=1,2' lists several values", 'untangle sweep');
    expect(err).not.toContain('dsprites-betavae.yaml:');
  });

  it('reports every problem at once', async () => {
    const dir = setup({ 'bad.yaml': 'defaults: [configs/dsprites-betavae]\nmodel:\n  target: untangle.models.BetaVea\ndata:\n  batch_size: many\n' });
    const err = await expectRejected(dir, ['--base', 'bad.yaml', 'trainer.max_step=3'], '3 problems in the config');
    expect(err.match(/did you mean/g)?.length).toBe(2);
  });
});
