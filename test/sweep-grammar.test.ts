import { describe, it, expect } from 'vitest';
import { parseAxis, isSweepToken } from '../framework/sweep/grammar.ts';
import { expandTrials, makeTrial, overrideText, trialOverrideArgs } from '../framework/sweep/trials.ts';
import { specFromArgs, specFromFile, sweepId, sweepTrials } from '../framework/sweep/spec.ts';
import { parseValue } from '../framework/config/overrides.ts';
import { UntangleError } from '../framework/util/errors.ts';
import { writeTree } from './helpers/fixtures.ts';

const values = (t: string) => parseAxis(t).rows.map((r) => r[0]);

function syntaxErr(t: string): UntangleError {
  try {
    parseAxis(t);
  } catch (e) {
    expect(e).toBeInstanceOf(UntangleError);
    return e as UntangleError;
  }
  throw new Error(`'${t}' parsed`);
}

describe('sweep grammar', () => {
  it('choice lists keep override value types; brackets and quotes stay whole', () => {
    expect(values('lr=1e-4,3e-4,0.001')).toEqual([1e-4, 3e-4, 0.001]);
    expect(values('name=a,b')).toEqual(['a', 'b']);
    expect(values('flag=true,false,null')).toEqual([true, false, null]);
    expect(values('dims=[1,2],[3,4]')).toEqual([[1, 2], [3, 4]]);
    expect(values('opt={lr:1,b:2},{lr:3}')).toEqual([{ lr: 1, b: 2 }, { lr: 3 }]);
    expect(values("s='a,b',c")).toEqual(['a,b', 'c']);
    expect(values('k=choice(1,x)')).toEqual([1, 'x']);
    expect(isSweepToken('k=[1,2]')).toBe(false);
    expect(isSweepToken('k=1')).toBe(false);
    expect(isSweepToken('k=1,2')).toBe(true);
    expect(isSweepToken('seed=range(3)')).toBe(true);
  });

  it('range is Python range (float steps allowed); linspace and logspace are numpy', () => {
    expect(values('seed=range(5)')).toEqual([0, 1, 2, 3, 4]);
    expect(values('x=range(0,10,2)')).toEqual([0, 2, 4, 6, 8]);
    expect(values('x=range(5,0,-2)')).toEqual([5, 3, 1]);
    // numpy.arange(0, 1, 0.25) → [0, .25, .5, .75]; 0.1 steps must not drift (0.30000000000000004).
    expect(values('x=range(0,1,0.25)')).toEqual([0, 0.25, 0.5, 0.75]);
    expect(values('x=range(0,0.5,0.1)')).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    // numpy.linspace(1e-5, 1e-3, 5) = [1e-5, 0.0002575, 0.000505, 0.0007525, 0.001]
    expect(values('lr=linspace(1e-5,1e-3,5)')).toEqual([1e-5, 0.0002575, 0.000505, 0.0007525, 0.001]);
    // numpy.logspace(-5, -3, 3) = [1e-5, 1e-4, 1e-3] (base-10 exponents)
    expect(values('lr=logspace(-5,-3,3)')).toEqual([1e-5, 1e-4, 1e-3]);
    // numpy.logspace(0, 1, 3) = [1, 3.16227766, 10]
    expect(values('b=logspace(0,1,3)')).toEqual([1, 3.16227766017, 10]);
    expect(values('b=linspace(2,2,1)')).toEqual([2]);
  });

  it('zip pairs axes; unequal lengths are an error naming both lengths', () => {
    const a = parseAxis('zip(model.beta=1,4,10,lr=1e-3,1e-4,1e-5)');
    expect(a.keys).toEqual(['model.beta', 'lr']);
    expect(a.rows).toEqual([[1, 1e-3], [4, 1e-4], [10, 1e-5]]);
    expect(parseAxis('zip(a=range(3),b=logspace(0,2,3))').rows).toEqual([[0, 1], [1, 10], [2, 100]]);
    const e = syntaxErr('zip(a=1,2,3,b=4,5)');
    expect(e.code).toBe('sweep-syntax');
    expect(e.message).toContain("'a' has 3 values, 'b' has 2");
    expect(e.message).toContain('column 13');
    expect(e.context.at).toBe(`${' '.repeat(12)}^`);
  });

  it('errors point at the column', () => {
    const cases: [string, RegExp, number][] = [
      ['x=range(0,1,0)', /step must not be zero/, 3],
      ['x=range(1,2,3,4)', /1 to 3 arguments/, 3],
      ['x=range(a)', /takes numbers; 'a'/, 9],
      ['x=linspace(0,1)', /3 arguments/, 3],
      ['x=linspace(0,1,2.5)', /positive integer/, 16],
      ['x=range(0,3', /not closed/, 12],
      ['x=[1,2', /'\[' is not closed/, 3],
      ['x=1,,2', /empty value/, 5],
      ['x=rnge(3)', /unknown sweep function 'rnge'/, 3],
      ['1x=1,2', /not a key path/, 1],
      ['zip(a=1,2)', /two or more keys/, 5],
      ['zip(a=1,2,a=3,4)', /appears twice/, 11],
    ];
    for (const [t, re, col] of cases) {
      const e = syntaxErr(t);
      expect(e.message, t).toMatch(re);
      expect(e.message, t).toContain(`column ${col})`);
    }
  });
});

describe('trials', () => {
  it('a trial id is a hash of the sorted canonical overrides: order does not matter, values do', () => {
    const a = makeTrial({ lr: 0.001, seed: 1 });
    const b = makeTrial({ seed: 1, lr: 1e-3 });
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^[0-9a-f]{12}$/);
    expect(makeTrial({ lr: 0.001, seed: 2 }).id).not.toBe(a.id);
    // 1 and '1' are different values.
    expect(makeTrial({ seed: '1', lr: 0.001 }).id).not.toBe(a.id);
  });

  it('the product varies the last axis fastest; ids survive reordering the axes', () => {
    const t1 = expandTrials([parseAxis('lr=1,2'), parseAxis('seed=range(2)')]);
    expect(t1.map((t) => t.overrides)).toEqual([{ lr: 1, seed: 0 }, { lr: 1, seed: 1 }, { lr: 2, seed: 0 }, { lr: 2, seed: 1 }]);
    const t2 = expandTrials([parseAxis('seed=range(2)'), parseAxis('lr=2,1')]);
    expect(new Set(t2.map((t) => t.id))).toEqual(new Set(t1.map((t) => t.id)));
    expect(() => expandTrials([parseAxis('lr=1,2'), parseAxis('zip(lr=1,2,b=3,4)')])).toThrow(/swept twice/);
    // Explicit trials join the product; duplicates collapse.
    expect(expandTrials([parseAxis('lr=1,2')], [{ lr: 2 }, { lr: 7 }]).map((t) => t.overrides.lr)).toEqual([1, 2, 7]);
  });

  it('override text parses back to the same value', () => {
    for (const v of [1e-5, 0.1, 3, -2, 'abc', 'a b', '1', 'true', true, null, [1, 2], { a: 1, b: 'x' }, 'x,y', '', 1e21]) {
      const text = overrideText('k', v as never);
      const back = parseValue(text.slice(2));
      expect(back.ok && back.value, text).toEqual(v);
    }
  });

  it('a sweep from the command line separates axes from fixed overrides', () => {
    const spec = specFromArgs(['a.yaml'], ['trainer.max_steps=10', 'lr=1,2', 'seed=range(2)', 'x=[1,2]'], { target: 'untangle.launchers.Local' });
    expect(spec.overrides).toEqual(['trainer.max_steps=10', 'x=[1,2]']);
    const trials = sweepTrials(spec);
    expect(trials).toHaveLength(4);
    expect(trialOverrideArgs(trials[1])).toEqual(['lr=1', 'seed=1']);
    const again = specFromArgs(['a.yaml'], ['seed=range(2)', 'lr=2,1', 'trainer.max_steps=10', 'x=[1,2]'], { target: 'untangle.launchers.Slurm' });
    expect(sweepId(again, sweepTrials(again))).toBe(sweepId(spec, trials));
    const other = specFromArgs(['a.yaml'], ['lr=1,2,3', 'seed=range(2)', 'trainer.max_steps=10', 'x=[1,2]'], { target: '' });
    expect(sweepId(other, sweepTrials(other))).not.toBe(sweepId(spec, trials));
  });

  it('reads sweep files: map or list axes, explicit trials, launcher', () => {
    const dir = writeTree({
      'experiments/a.yaml': `base: [configs/x.yaml]
overrides: [trainer.max_steps=5]
sweep:
  lr: logspace(-4,-2,3)
  seed: range(2)
  beta: [1, 4]
trials:
  - {lr: 0.5, seed: 9, beta: 1}
launcher: {target: untangle.launchers.Local, params: {jobs: 2}}
`,
      'experiments/b.yaml': `base: configs/x.yaml
sweep: ['zip(a=1,2,b=3,4)', 'c=x,y']
launcher: slurm
`,
      'experiments/bad.yaml': 'base: [x.yaml]\nsweeps: {}\n',
    });
    const a = specFromFile('experiments/a.yaml', dir);
    expect(a.baseFiles).toEqual(['configs/x.yaml']);
    expect(a.launcher).toEqual({ target: 'untangle.launchers.Local', params: { jobs: 2 } });
    const ta = sweepTrials(a);
    expect(ta).toHaveLength(3 * 2 * 2 + 1);
    expect(ta[0].overrides).toEqual({ beta: 1, lr: 1e-4, seed: 0 });
    const b = specFromFile('experiments/b.yaml', dir, ['seed=range(2)', 'trainer.max_steps=3']);
    expect(b.launcher.target).toBe('untangle.launchers.Slurm');
    expect(b.overrides).toEqual(['trainer.max_steps=3']);
    expect(sweepTrials(b).map((t) => [t.overrides.a, t.overrides.b, t.overrides.c, t.overrides.seed])).toEqual([
      [1, 3, 'x', 0], [1, 3, 'x', 1], [1, 3, 'y', 0], [1, 3, 'y', 1], [2, 4, 'x', 0], [2, 4, 'x', 1], [2, 4, 'y', 0], [2, 4, 'y', 1],
    ]);
    expect(() => specFromFile('experiments/bad.yaml', dir)).toThrow(/unknown key\(s\) sweeps/);
  });
});
