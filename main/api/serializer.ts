/**
 * Response bodies written by a serializer compiled once per route from the route's zod schema
 * (its JSON Schema, through fast-json-stringify), instead of checking every answer against the
 * schema and then stringifying it. A schema that cannot be compiled keeps the zod serializer.
 */
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import fastJson from 'fast-json-stringify';
import { serializerCompiler as zodSerializer } from 'fastify-type-provider-zod';
import { z } from 'zod';

export const compiledSerializer: FastifySerializerCompiler<z.ZodType> = (route) => {
  try {
    return serializerFor(route.schema);
  } catch {
    return zodSerializer(route);
  }
};

/** A body's serializer compiled from its zod schema; throws when the schema has no JSON Schema. */
export function serializerFor(schema: z.ZodType): (body: unknown) => string {
  const { $schema: _, ...json } = z.toJSONSchema(schema, {
    io: 'output',
    unrepresentable: 'throw',
  }) as Record<string, unknown>;
  return fastJson(json);
}

/** The body's serializer: compiled when the schema allows, else checked by zod and stringified. */
export function bodySerializer(schema: z.ZodType): (body: unknown) => string {
  try {
    return serializerFor(schema);
  } catch {
    return (body) => JSON.stringify(schema.parse(body));
  }
}
