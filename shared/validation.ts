/**
 * What was wrong with an input, in plain words, field by field. The services, the admin
 * dispatcher and the admin UI's forms (which check with the same schema before sending) all
 * word a problem the same way: "name: must not be empty", never zod's "Too small: expected
 * string to have >=1 characters". Values are echoed cut short, whatever was sent.
 */
import type { z } from 'zod';
import type { ErrorDetail } from './errors.ts';
import { plural } from './words.ts';

/** A value as it may appear in a message: at most `max` characters. */
export function shown(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** zod's own wording starts like this; a schema's own message is kept as written. */
const ZOD_WORDING = /^(Too small|Too big|Invalid|Unrecognized|Expected|Required)/;

type Issue = z.core.$ZodIssue;

/** One problem in plain words (without its field). */
export function plainIssue(issue: Issue): string {
  if (!ZOD_WORDING.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'too_small': {
      const n = issue.minimum;
      if (issue.origin === 'string')
        return Number(n) <= 1 ? 'must not be empty' : `must be at least ${plural(n, 'character')}`;
      if (issue.origin === 'array')
        return Number(n) <= 1 ? 'choose at least one' : `choose at least ${n}`;
      return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${n}`;
    }
    case 'too_big': {
      const n = issue.maximum;
      if (issue.origin === 'string') return `must be at most ${plural(n, 'character')}`;
      if (issue.origin === 'array') return `at most ${n} allowed`;
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${n}`;
    }
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return issue.expected === 'number' || issue.expected === 'int'
        ? 'must be a number'
        : issue.expected === 'string'
          ? 'must be text'
          : `must be ${issue.expected === 'boolean' ? 'yes or no' : `a ${issue.expected}`}`;
    case 'invalid_format':
      return issue.format === 'email'
        ? 'must be an email address'
        : issue.format === 'url'
          ? 'must be a web address'
          : `is not in the expected form (${issue.format})`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => shown(v, 30)).join(', ')}`;
    case 'invalid_union':
      return 'is not one of the accepted forms';
    case 'unrecognized_keys':
      return `has unknown fields: ${issue.keys.map((k) => shown(k, 30)).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message;
  }
}

/** Each problem with the field it belongs to (the path, or `what` for the input as a whole). */
export function fieldProblems(error: z.ZodError, what = 'input'): ErrorDetail[] {
  return error.issues.map((i) => ({
    field: i.path.length ? i.path.map(String).join('.') : what,
    message: plainIssue(i),
  }));
}

/** One sentence for all of them: "Check the key: label: must not be empty; scopes: choose at least one." */
export function problemsSentence(what: string, details: readonly ErrorDetail[]): string {
  return `Check the ${what}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}.`;
}

/** A form's errors by field, from the same schema the core parses with (empty when valid). */
export function formErrors(schema: z.ZodType, value: unknown): Record<string, string> {
  const r = schema.safeParse(value);
  if (r.success) return {};
  const out: Record<string, string> = {};
  for (const d of fieldProblems(r.error)) out[d.field ?? 'input'] ??= d.message;
  return out;
}
