import { ComponentRegistry } from '../../framework/registry/registry.ts';
import { defineComponent } from '../../framework/registry/types.ts';

/** A registry of tiny components with known schemas, for config-system tests. */
export function toyRegistry(): ComponentRegistry {
  const r = new ComponentRegistry();
  r.register(defineComponent({
    target: 'toy.models.Net', kind: 'model', description: 'a toy model',
    schema: {
      type: 'object', additionalProperties: false,
      properties: {
        width: { type: 'integer', minimum: 1, default: 8 },
        lr: { type: 'number' },
        encoder: { 'x-kind': 'model' },
      },
    },
    create: (p, ctx) => ({ kind: 'net', params: p, seed: ctx.seed }),
  }));
  r.register(defineComponent({
    target: 'toy.models.Encoder', kind: 'model', description: 'a toy encoder',
    schema: { type: 'object', additionalProperties: false, properties: { depth: { type: 'integer', default: 2 } } },
    create: (p, ctx) => ({ kind: 'encoder', params: p, seed: ctx.seed }),
  }));
  r.register(defineComponent({
    target: 'toy.losses.MSE', kind: 'loss', description: 'a toy loss',
    schema: { type: 'object', additionalProperties: false, properties: { beta: { type: 'number', default: 1 } } },
    create: (p) => ({ kind: 'mse', params: p }),
  }));
  r.register(defineComponent({
    target: 'toy.datasets.Grid', kind: 'dataset', description: 'a toy dataset',
    schema: { type: 'object', additionalProperties: false, properties: { size: { type: 'integer', default: 10 }, mode: { enum: ['train', 'test'], default: 'train' } } },
    create: (p) => ({ kind: 'grid', params: p }),
  }));
  r.register(defineComponent({
    target: 'untangle.optim.Adam', kind: 'optimizer', description: 'adam',
    schema: { type: 'object', additionalProperties: false, properties: { lr: { type: 'number', default: 1e-4 } } },
    create: (p) => ({ kind: 'adam', params: p }),
  }));
  return r;
}
