import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { z } from 'zod';

/**
 * Responses are written by fast-json-stringify from the JSON Schema of each route's Zod response
 * schema: only declared fields leave the server, as with Zod, at a fraction of the cost.
 */
export function compileSerializer(schema: z.ZodType): (value: unknown) => string {
  const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' });
  return fastJson(withNullableTypes(jsonSchema) as Parameters<typeof fastJson>[0]);
}

export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) => compileSerializer(schema);

type JsonSchema = Record<string, unknown>;

/** Keywords whose value is data, not a schema. */
const values = new Set(['enum', 'const', 'default', 'examples']);

const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Zod writes `.nullable()` of a schema with keywords (bounds, properties) as `anyOf: [schema, null]`.
 * fast-json-stringify answers an `anyOf` by validating the value against each branch with Ajv, on
 * every value written: a user's SIP account, whole, for each user of a page. The same choice as a
 * type list (`type: [type, 'null']`) is a test of `=== null`, and writes the same JSON for every
 * value the schema allows (the bounds are the input's to check, not the output's).
 */
function withNullableTypes<T extends object>(schema: T): T {
  const rewritten: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (values.has(key)) rewritten[key] = value;
    else if (Array.isArray(value)) rewritten[key] = value.map((item) => (isSchema(item) ? withNullableTypes(item) : item));
    else rewritten[key] = isSchema(value) ? withNullableTypes(value) : value;
  }
  const { anyOf, ...outer } = rewritten;
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return rewritten as T;
  const nullAt = anyOf.findIndex((branch) => isSchema(branch) && branch.type === 'null' && Object.keys(branch).length === 1);
  const other: unknown = anyOf[1 - nullAt];
  if (nullAt < 0 || !isSchema(other) || typeof other.type !== 'string' || other.type === 'null' || 'const' in other) return rewritten as T;
  if (Object.keys(outer).some((key) => key !== 'description')) return rewritten as T;
  return { ...other, ...outer, type: [other.type, 'null'] } as T;
}
