import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRegistry } from '../registry.ts';
import { pinCases, pinHash } from './helpers/config-pins.ts';

/**
 * Config groups rewrote the paper configs; they must still compose to exactly the configs they
 * composed to before. The hashes were taken from the tree before the rewrite (commit "Config
 * pins: ..."), with the same stand-in run resolvers.
 */
const pinned = JSON.parse(readFileSync('test/fixtures/config-hashes.json', 'utf8')) as Record<string, string>;

describe('resolved configs are pinned', () => {
  const registry = createRegistry();
  it('every paper config, CPU pair and experiment stage resolves to its pinned sha256', () => {
    const cases = pinCases();
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(pinned).sort());
    const got = Object.fromEntries(cases.map((c) => [c.name, pinHash(registry, c)]));
    expect(got).toEqual(pinned);
  }, 120_000);
});
