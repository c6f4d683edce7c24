import type * as tf from '@tensorflow/tfjs-core';
import type { Loss, Model, Optimizer } from '../contracts/index.ts';
import { UntangleError } from '../util/errors.ts';

/** One optimiser's share of a step: its variables, its optimiser and when it runs. */
export interface OptimisedGroup {
  name: string;
  vars: tf.Variable[];
  optimizer: Optimizer;
  activeAt: (step: number) => boolean;
}

export const MAIN_GROUP = 'main';

/** Checkpoint group of an optimiser's state: `optimizer` for the main one, `optimizer.<name>` else. */
export function optimizerCheckpointGroup(name: string): string {
  return name === MAIN_GROUP ? 'optimizer' : `optimizer.${name}`;
}

/**
 * The optimisation groups of a run: 'main' (every trainable variable of the model and loss that no
 * declared group claims) and the groups the model and loss declare, each paired with its optimiser
 * from `trainer.optimizers`. A declared group without an optimiser, an optimiser for no group, a
 * variable in two groups and an empty group are config errors.
 */
export function resolveGroups(model: Model, loss: Loss, trainable: tf.Variable[], main: Optimizer, extra: Record<string, Optimizer>): OptimisedGroup[] {
  const declared = [...(model.paramGroups?.() ?? []), ...(loss.paramGroups?.() ?? [])];
  const claimed = new Map<tf.Variable, string>();
  const groups: OptimisedGroup[] = [];
  for (const g of declared) {
    if (g.name === MAIN_GROUP || groups.some((o) => o.name === g.name)) {
      throw new UntangleError('param-group-name', `parameter group '${g.name}' is declared twice or uses the reserved name '${MAIN_GROUP}'`, { group: g.name });
    }
    const optimizer = extra[g.name];
    if (!optimizer) {
      throw new UntangleError('param-group-no-optimizer', `parameter group '${g.name}' has no optimiser`, { group: g.name, configured: Object.keys(extra) },
        `set trainer.optimizers.${g.name} (e.g. {target: untangle.optim.Adam, params: {lr: 1e-4}})`);
    }
    const vars = g.variables().filter((v) => v.trainable);
    if (vars.length === 0) throw new UntangleError('param-group-empty', `parameter group '${g.name}' has no trainable variables`, { group: g.name });
    for (const v of vars) {
      const other = claimed.get(v);
      if (other) throw new UntangleError('param-group-overlap', `variable ${v.name} is in groups '${other}' and '${g.name}'`, { groups: [other, g.name] });
      claimed.set(v, g.name);
    }
    groups.push({ name: g.name, vars, optimizer, activeAt: g.activeAt?.bind(g) ?? (() => true) });
  }
  for (const name of Object.keys(extra)) {
    if (!groups.some((g) => g.name === name)) {
      throw new UntangleError('param-group-unknown', `trainer.optimizers.${name} names no parameter group`, { declared: groups.map((g) => g.name) },
        'remove it, or switch on the component that declares the group');
    }
  }
  const mainVars = trainable.filter((v) => !claimed.has(v));
  if (mainVars.length === 0) throw new UntangleError('no-trainable', 'the model has no trainable variables outside its declared groups', { model: model.constructor.name });
  return [{ name: MAIN_GROUP, vars: mainVars, optimizer: main, activeAt: () => true }, ...groups];
}
