import type { JsonSchema } from '../../framework/registry/types.ts';

/** Schema of a positive integer sample size with a default. */
export function countParam(description: string, def: number, minimum = 1): JsonSchema {
  return { type: 'integer', minimum, default: def, description };
}
