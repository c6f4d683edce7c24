import { describe, expect, expectTypeOf, it } from 'vitest';
import { RUN_SCHEMA, type RunSections } from '../framework/config/run-schema.ts';
import type { ComponentNode } from '../framework/registry/types.ts';
import { sections } from '../framework/trainer/parts.ts';
import { composeConfig } from '../framework/config/compose.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toyRegistry } from './helpers/toy-registry.ts';

// The type checks below run under `tsc --noEmit` (vitest's expectTypeOf is a compile-time check);
// the runtime test checks that what the type promises is what validation leaves behind.
describe('RunSections is derived from RUN_SCHEMA', () => {
  it('types required, defaulted, optional, enum and slot keys as the schema says', () => {
    expectTypeOf<RunSections['seed']>().toEqualTypeOf<number>();
    expectTypeOf<RunSections['model']>().toEqualTypeOf<ComponentNode>();
    expectTypeOf<RunSections['data']['validation']>().toEqualTypeOf<ComponentNode | null | undefined>();
    expectTypeOf<RunSections['trainer']['max_steps']>().toEqualTypeOf<number | null>();
    expectTypeOf<RunSections['trainer']['optimizer']>().toEqualTypeOf<ComponentNode>();
    expectTypeOf<RunSections['trainer']['callbacks']>().toEqualTypeOf<Record<string, ComponentNode | null>>();
    expectTypeOf<RunSections['trainer']['progress']>().toEqualTypeOf<'auto' | 'bar' | 'lines' | 'none'>();
    expectTypeOf<RunSections['runtime']['backend']>().toEqualTypeOf<'auto' | 'tensorflow' | 'libtorch' | 'wasm' | 'cpu'>();
    expectTypeOf<RunSections['tracking']['tolerances']>().toEqualTypeOf<Record<string, number>>();
    expectTypeOf<RunSections['tracking']['experiment']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<RunSections['name']>().toEqualTypeOf<string | undefined>();
    expect(Object.keys(RUN_SCHEMA.properties).sort()).toEqual(['data', 'eval', 'loss', 'model', 'name', 'runtime', 'seed', 'tracking', 'trainer']);
  });

  it('a validated minimal config has every key the type calls present, with the schema defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-schema-'));
    writeFileSync(join(dir, 'run.yaml'), 'model: {target: toy.models.Net}\nloss: {target: toy.losses.MSE}\ndata: {train: {target: toy.datasets.Grid}}\n');
    const s = sections(composeConfig({ baseFiles: ['run.yaml'], overrides: [], registry: toyRegistry(), cwd: dir }).config);
    expect(s.seed).toBe(23);
    expect(s.data.batch_size).toBe(64);
    expect(s.trainer.max_steps).toBeNull();
    expect(s.trainer.ema).toEqual({ enabled: false, decay: 0.9999 });
    expect(s.trainer.optimizer.target).toBe('untangle.optim.Adam');
    expect(s.trainer.callbacks).toEqual({});
    expect(s.eval).toEqual({ metrics: {}, batch_size: 256, at_end: true });
    expect(s.runtime).toEqual({ backend: 'auto', threads: 1 });
    expect(s.tracking).toEqual({ uri: null, tolerances: {} });
  });
});
