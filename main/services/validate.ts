import type { z } from 'zod';
import { invalid } from '../../shared/errors.ts';

/** Parses service input with its schema; every problem is listed, each naming its field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({
    field: i.path.join('.') || what,
    message: i.message,
  }));
  throw invalid(
    'invalid_input',
    `Invalid ${what}: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}.`,
    details,
  );
}
