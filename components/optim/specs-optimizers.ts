import { defineComponent, type ComponentSpec } from '../../framework/registry/types.ts';
import type { Optimizer } from '../../framework/contracts/index.ts';
import { Adam, AdamW } from './adam.ts';
import { SGD } from './sgd.ts';

/** Config specs of the optimisers. Defaults are PyTorch's (torch.optim), except where noted. */

type AdamParams = {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
};

const adamSchema = (weightDecayDefault: number, wdDoc: string) => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    lr: { type: 'number', minimum: 0, default: 1e-3, description: 'base learning rate (PyTorch default 1e-3)' },
    betas: {
      type: 'array', items: { type: 'number', minimum: 0, exclusiveMaximum: 1 }, minItems: 2, maxItems: 2,
      default: [0.9, 0.999], description: 'coefficients of the running averages of the gradient and its square',
    },
    eps: { type: 'number', minimum: 0, default: 1e-8, description: 'added to the denominator, outside the square root' },
    weight_decay: { type: 'number', minimum: 0, default: weightDecayDefault, description: wdDoc },
  },
});

export const adamSpec: ComponentSpec<AdamParams, Optimizer> = defineComponent<AdamParams, Optimizer>({
  target: 'untangle.optim.Adam',
  kind: 'optimizer',
  description: 'Adam (PyTorch semantics: bias correction, eps outside the sqrt, L2 weight decay)',
  schema: adamSchema(0, 'L2 penalty added to the gradient'),
  create: (p) => new Adam({ lr: p.lr, betas: p.betas, eps: p.eps, weightDecay: p.weight_decay }),
});

export const adamWSpec: ComponentSpec<AdamParams, Optimizer> = defineComponent<AdamParams, Optimizer>({
  target: 'untangle.optim.AdamW',
  kind: 'optimizer',
  description: 'AdamW: Adam with decoupled weight decay (PyTorch semantics, default decay 0.01)',
  schema: adamSchema(0.01, 'decoupled decay: p ← p·(1 − lr·weight_decay) before each step'),
  create: (p) => new AdamW({ lr: p.lr, betas: p.betas, eps: p.eps, weightDecay: p.weight_decay }),
});

type SgdParams = {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weight_decay: number;
};

export const sgdSpec: ComponentSpec<SgdParams, Optimizer> = defineComponent<SgdParams, Optimizer>({
  target: 'untangle.optim.SGD',
  kind: 'optimizer',
  description: 'SGD with optional (Nesterov) momentum and L2 weight decay (PyTorch semantics)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      lr: { type: 'number', minimum: 0, default: 1e-3, description: 'base learning rate (PyTorch default 1e-3)' },
      momentum: { type: 'number', minimum: 0, default: 0 },
      dampening: { type: 'number', minimum: 0, default: 0 },
      nesterov: { type: 'boolean', default: false },
      weight_decay: { type: 'number', minimum: 0, default: 0, description: 'L2 penalty added to the gradient' },
    },
  },
  create: (p) => new SGD({ lr: p.lr, momentum: p.momentum, dampening: p.dampening, nesterov: p.nesterov, weightDecay: p.weight_decay }),
});
