import type { JsonSchema } from '../registry/types.ts';
import type { FromSchema } from './schema-type.ts';

/**
 * The top level of every run config. Component slots (`x-kind`) are checked against the named
 * component's own schema; everything else is the framework's. LDM's defaults where it has them
 * (seed 23).
 */
export const RUN_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'loss', 'data'],
  properties: {
    name: { type: 'string', description: 'run name (default: stem of the first --base file)' },
    seed: { type: 'integer', minimum: 0, default: 23, description: 'root seed; every component derives its own from it and its path' },
    model: { 'x-kind': 'model' },
    loss: { 'x-kind': 'loss' },
    data: {
      type: 'object',
      additionalProperties: false,
      required: ['train'],
      properties: {
        batch_size: { type: 'integer', minimum: 1, default: 64 },
        shuffle: { type: 'boolean', default: true },
        train: { 'x-kind': 'dataset' },
        validation: { 'x-kind': 'dataset' },
      },
    },
    trainer: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        max_steps: { type: ['integer', 'null'], minimum: 0, default: null },
        max_epochs: { type: ['integer', 'null'], minimum: 0, default: null },
        log_every: { type: 'integer', minimum: 1, default: 50 },
        eval_every: { type: ['integer', 'null'], minimum: 1, default: null },
        ckpt_every: { type: 'integer', minimum: 1, default: 1000 },
        grad_clip: { type: ['number', 'null'], exclusiveMinimum: 0, default: null },
        ema: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: { enabled: { type: 'boolean', default: false }, decay: { type: 'number', minimum: 0, maximum: 1, default: 0.9999 } },
        },
        optimizer: { 'x-kind': 'optimizer', default: { target: 'untangle.optim.Adam', params: { lr: 1e-4 } } },
        optimizers: {
          type: 'object', additionalProperties: { 'x-kind': 'optimizer' }, default: {},
          description: 'one optimiser per parameter group the model or loss declares (e.g. discriminator), by group name',
        },
        schedule: { 'x-kind': 'schedule' },
        callbacks: { type: 'object', additionalProperties: { 'x-kind': 'callback' }, default: {} },
        progress: { enum: ['auto', 'bar', 'lines', 'none'], default: 'auto' },
      },
    },
    eval: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        dataset: { 'x-kind': 'dataset', description: 'ground-truth data for the metrics (default: data.train)' },
        metrics: { type: 'object', additionalProperties: { 'x-kind': 'metric' }, default: {} },
        batch_size: { type: 'integer', minimum: 1, default: 256 },
        at_end: { type: 'boolean', default: true },
      },
    },
    runtime: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        backend: { enum: ['auto', 'tensorflow', 'libtorch', 'wasm', 'cpu'], default: 'auto' },
        threads: { type: 'integer', minimum: 1, default: 1 },
        // No defaults below, so configs that do not name them resolve (and hash) as before.
        device: {
          type: 'string', pattern: '^(auto|cpu|cuda|cuda:[0-9]+)$',
          description: 'where tensors live: cpu | cuda | cuda:N | auto (unset = auto: the first GPU when a CUDA libtorch and a GPU are present, else cpu); cuda needs the libtorch backend',
        },
        deterministic: {
          type: 'boolean',
          description: 'libtorch: deterministic algorithms (ATen, cuDNN, a fixed cuBLAS workspace); ops with no deterministic CUDA kernel then fail instead of using atomics',
        },
      },
    },
    tracking: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        uri: { type: ['string', 'null'], default: null, description: 'local store directory or an http(s) MLflow server (default: MLFLOW_TRACKING_URI, else runs)' },
        experiment: { type: 'string', description: 'MLflow experiment (default: the run name)' },
        tolerances: { type: 'object', additionalProperties: { type: 'number', minimum: 0 }, default: {}, description: 'per-metric audit tolerances' },
      },
    },
  },
} as const satisfies JsonSchema;

/** The typed view of a validated run config, derived from RUN_SCHEMA (defaults filled in). */
export type RunSections = FromSchema<typeof RUN_SCHEMA>;
