import AjvModule from 'ajv';
import { UntangleError } from '../../framework/util/errors.ts';
import type { JsonSchema } from '../../framework/registry/types.ts';

// ajv ships CommonJS; under NodeNext its class is the default export's `default`.
const Ajv = AjvModule.default ?? AjvModule;
const ajv = new Ajv({ useDefaults: true, allErrors: true });
const compiled = new Map<JsonSchema, ReturnType<typeof ajv.compile>>();

/**
 * Validates metric params against the metric's schema and fills in its defaults, so that a metric
 * built outside the registry (by `untangle score`, or a test) gets exactly the params a config
 * would give it.
 */
export function resolveMetricParams<P>(target: string, schema: JsonSchema, given: Record<string, unknown> = {}): P {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  const params: Record<string, unknown> = { ...given };
  if (!validate(params)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
    throw new UntangleError('metric.bad_params', `invalid params for ${target}`, { target, errors, given },
      `allowed params: ${Object.keys((schema.properties ?? {}) as Record<string, unknown>).join(', ')}`);
  }
  return params as P;
}

/** Schema of a positive integer sample size with a default. */
export function countParam(description: string, def: number, minimum = 1): JsonSchema {
  return { type: 'integer', minimum, default: def, description };
}
