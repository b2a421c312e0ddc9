import { FORMATS } from '@fitsync/api/rules';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

// The schemas' string formats, as the server checks them (@fitsync/api rules.ts).
for (const [name, check] of Object.entries(FORMATS)) if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);

/** Where `value` breaks `schema` (an @fitsync/api schema), at most five places; empty when it is valid. */
export function schemaErrors(schema: TSchema, value: unknown): string[] {
  return [...Value.Errors(schema, value)].slice(0, 5).map((e) => `${e.path}: ${e.message}`);
}
