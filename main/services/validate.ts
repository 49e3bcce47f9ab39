import type { z } from 'zod';
import { invalid } from '../../shared/errors.ts';
import { fieldProblems, problemsSentence } from '../../shared/validation.ts';

/** Parses service input with its schema; every problem is listed in plain words, each naming its field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = fieldProblems(result.error, what);
  throw invalid('invalid_input', problemsSentence(what, details), details);
}
