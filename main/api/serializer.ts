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
    const { $schema: _, ...json } = z.toJSONSchema(route.schema, {
      io: 'output',
      unrepresentable: 'throw',
    }) as Record<string, unknown>;
    return fastJson(json);
  } catch {
    return zodSerializer(route);
  }
};
