import { defineComponent, type ComponentSpec } from '../../framework/registry/types.ts';
import { Rng } from '../../framework/util/rng.ts';
import { TOY_SPECS, TinyAE } from './toy-components.ts';

/**
 * UNTANGLE_PLUGINS module for sweep and audit tests: the toy components, plus `test.models.FlakyAE`
 * (TinyAE that fails to build when UNTANGLE_TEST_CRASH_LATENT equals its latent size, so a test
 * can crash exactly one trial of a sweep, then re-run the sweep without the variable).
 */
export const specs: ComponentSpec[] = [
  ...TOY_SPECS,
  defineComponent({
    target: 'test.models.FlakyAE', kind: 'model', description: 'TinyAE that crashes on demand',
    schema: { type: 'object', additionalProperties: false, properties: { latent: { type: 'integer', default: 4 }, noise: { type: 'number', default: 0.1 } } },
    create: (p: { latent: number; noise: number }, ctx) => {
      if (process.env.UNTANGLE_TEST_CRASH_LATENT === String(p.latent)) throw new Error(`FlakyAE: crashing on purpose (latent=${p.latent})`);
      return new TinyAE(p.latent, new Rng(ctx.seed), p.noise);
    },
  }) as ComponentSpec,
];
