import * as tf from '@tensorflow/tfjs-core';
import type { Parameterised } from '../../framework/contracts/index.ts';
import type { Rng } from '../../framework/util/rng.ts';
import { UntangleError } from '../../framework/util/errors.ts';
import type { Initializer } from './init.ts';

interface ParamEntry {
  variable: tf.Variable;
  /** As declared: false for buffers such as BatchNorm running statistics. */
  trainable: boolean;
}

export interface LoadWeightsOptions {
  /** Only keys starting with `prefix` are considered, with the prefix stripped (e.g. `'model.'`). */
  prefix?: string;
  /** Throw on missing or unexpected keys (default true). Shape mismatches always throw. */
  strict?: boolean;
}

export interface LoadWeightsReport {
  loaded: string[];
  missing: string[];
  unexpected: string[];
}

/**
 * Base of every layer and model: owns tfjs variables under stable dotted names (the checkpoint
 * keys), PyTorch-style: a parameter `weight` of the child `conv1` of the child `encoder` is
 * `encoder.conv1.weight`. Registration order is preserved, so names and `trainableVariables()`
 * come out in a stable order (optimiser slot `m/<i>` refers to the i-th trainable variable).
 *
 * Variables are created from values drawn in JS from an `Rng` (never tfjs random ops), so a seed
 * gives the same initial weights on every backend.
 */
export abstract class Module implements Parameterised {
  /** Training mode (dropout active, batch-norm uses batch statistics). Set with `train()`/`eval()`. */
  training = true;
  private readonly ownParams = new Map<string, ParamEntry>();
  private readonly ownChildren = new Map<string, Module>();
  private parentModule: Module | null = null;
  private frozen = false;

  /** Create and register a variable. `init` fills it from `rng`. */
  protected param(name: string, shape: number[], init: Initializer, rng: Rng, trainable = true): tf.Variable {
    this.assertFreeName(name);
    const values = init(shape, rng);
    const variable = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), trainable));
    this.ownParams.set(name, { variable, trainable });
    return variable;
  }

  /** Register a sub-module under `name`; its variables appear as `name.<...>`. */
  protected child<T extends Module>(name: string, m: T): T {
    this.assertFreeName(name);
    if (m.parentModule !== null) {
      throw new UntangleError('nn.module.reparent', `module registered as '${name}' already has a parent`,
        { name }, 'create a new module instance for each place it is used (share weights by reusing the parent)');
    }
    m.parentModule = this;
    this.ownChildren.set(name, m);
    return m;
  }

  private assertFreeName(name: string): void {
    if (name === '' || name.includes('.')) {
      throw new UntangleError('nn.module.name', `invalid parameter/child name '${name}'`, { name },
        'names must be non-empty and contain no dots');
    }
    if (this.ownParams.has(name) || this.ownChildren.has(name)) {
      throw new UntangleError('nn.module.duplicate', `'${name}' is already registered on ${this.constructor.name}`, { name });
    }
  }

  /** Direct children, in registration order. */
  children(): Map<string, Module> {
    return new Map(this.ownChildren);
  }

  /** This module and all descendants under dotted names (`''` for this one). */
  namedModules(prefix = ''): Map<string, Module> {
    const out = new Map<string, Module>([[prefix, this]]);
    for (const [name, m] of this.ownChildren) {
      for (const [k, v] of m.namedModules(prefix === '' ? name : `${prefix}.${name}`)) out.set(k, v);
    }
    return out;
  }

  /** Every variable (parameters and buffers) under its dotted name, depth-first in registration order. */
  namedVariables(prefix = ''): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    this.visit(prefix, false, (name, e) => out.set(name, e.variable));
    return out;
  }

  /** The variables an optimiser updates: declared trainable and not inside a frozen sub-tree. */
  namedTrainableVariables(prefix = ''): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    this.visit(prefix, this.ancestorFrozen(), (name, e, frozen) => {
      if (e.trainable && !frozen) out.set(name, e.variable);
    });
    return out;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.namedTrainableVariables().values()];
  }

  /** Number of scalar parameters (trainable ones only unless `all`). */
  parameterCount(all = false): number {
    const vars = all ? this.namedVariables().values() : this.namedTrainableVariables().values();
    let n = 0;
    for (const v of vars) n += v.size;
    return n;
  }

  private visit(prefix: string, frozenAbove: boolean, fn: (name: string, e: ParamEntry, frozen: boolean) => void): void {
    const frozen = frozenAbove || this.frozen;
    for (const [name, e] of this.ownParams) fn(prefix === '' ? name : `${prefix}.${name}`, e, frozen);
    for (const [name, m] of this.ownChildren) m.visit(prefix === '' ? name : `${prefix}.${name}`, frozen, fn);
  }

  private ancestorFrozen(): boolean {
    for (let p = this.parentModule; p !== null; p = p.parentModule) if (p.frozen) return true;
    return false;
  }

  /**
   * Exclude this sub-tree from `trainableVariables()` (and mark its tfjs variables non-trainable,
   * so `tf.variableGrads` without a list skips them too).
   */
  freeze(): this {
    this.frozen = true;
    this.syncTrainableFlags();
    return this;
  }

  unfreeze(): this {
    this.frozen = false;
    this.syncTrainableFlags();
    return this;
  }

  get isFrozen(): boolean {
    return this.frozen || this.ancestorFrozen();
  }

  private syncTrainableFlags(): void {
    this.visit('', this.ancestorFrozen(), (_n, e, frozen) => {
      e.variable.trainable = e.trainable && !frozen;
    });
  }

  /** Set training mode on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.namedModules().values()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Copy values into this module's variables (PyTorch `load_state_dict`). Keys are dotted names as
   * given by `namedVariables()`; with `prefix`, only keys under it are read. Values are copied, the
   * caller keeps ownership of `map`.
   */
  loadWeights(map: Map<string, tf.Tensor>, opts: LoadWeightsOptions = {}): LoadWeightsReport {
    const prefix = opts.prefix ?? '';
    const strict = opts.strict ?? true;
    const own = this.namedVariables();
    const given = new Map<string, tf.Tensor>();
    for (const [k, v] of map) if (k.startsWith(prefix)) given.set(k.slice(prefix.length), v);

    const missing = [...own.keys()].filter((k) => !given.has(k));
    const unexpected = [...given.keys()].filter((k) => !own.has(k));
    const mismatched: string[] = [];
    for (const [k, v] of own) {
      const t = given.get(k);
      if (t !== undefined && !sameShape(t.shape, v.shape)) mismatched.push(`${k}: expected [${v.shape}], got [${t.shape}]`);
    }
    if (mismatched.length > 0) {
      throw new UntangleError('nn.weights.shape', `shape mismatch for ${mismatched.length} weight(s) of ${this.constructor.name}`,
        { mismatched, prefix: prefix || undefined }, 'the checkpoint was written by a model with a different configuration');
    }
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      throw new UntangleError('nn.weights.keys', `weights do not match ${this.constructor.name}: ${missing.length} missing, ${unexpected.length} unexpected`,
        { missing, unexpected, prefix: prefix || undefined },
        unexpected.length > 0 && missing.length > 0
          ? 'check the prefix (e.g. "model.") and the model configuration'
          : 'pass {strict: false} to load a subset');
    }
    const loaded: string[] = [];
    for (const [k, v] of own) {
      const t = given.get(k);
      if (t === undefined) continue;
      if (t.dataId === v.dataId) {
        // Already holds these values (e.g. a dict built from this module); assigning would free them.
      } else if (t.dtype === 'float32') {
        v.assign(t);
      } else {
        const cast = tf.cast(t, 'float32');
        v.assign(cast);
        cast.dispose();
      }
      loaded.push(k);
    }
    return { loaded, missing, unexpected };
  }

  /** Free every variable of this sub-tree. */
  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A module with one tensor in and one tensor out: the unit `Sequential` chains. */
export abstract class UnaryModule extends Module {
  /** `rng` is for modules that draw randomness while training (Dropout). */
  abstract forward(x: tf.Tensor, rng?: Rng): tf.Tensor;
}
