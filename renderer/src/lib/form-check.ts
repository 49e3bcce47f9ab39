/**
 * A form that checks before it sends: field errors from the schema the server parses with,
 * shown from the first attempt to send and kept current as the user types (a fixed field loses
 * its error at once). What the server refused is shown on its fields until the form changes,
 * and what was typed stays.
 */
import { useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { formErrors } from '../../../shared/validation.ts';
import { notify } from './notify.ts';

type Errors = Record<string, string>;

export interface FormOptions {
  /** Problems the schema cannot see (a choice not made yet), by field. */
  extra?: Errors;
  /** The toast's title when the server refuses: "Key not issued". */
  failTitle: string;
  /** Sends the checked value; `null` when there is nothing to send. */
  send: () => Promise<unknown> | null;
}

export function useForm(schema: z.ZodType, value: unknown, o: FormOptions) {
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<{ for: string; errors: Errors } | null>(null);
  const snapshot = JSON.stringify(value);
  const found: Errors = { ...formErrors(schema, value), ...o.extra };
  const errors: Errors = tried
    ? { ...(refused?.for === snapshot ? refused.errors : {}), ...found }
    : {};
  const submit = () => {
    setTried(true);
    setRefused(null);
    if (Object.keys(found).length) return;
    const sending = o.send();
    if (!sending) return;
    setBusy(true);
    sending
      .catch((err: unknown) => {
        const details = (err as { details?: { field?: string; message: string }[] }).details;
        setRefused({
          for: snapshot,
          errors: Object.fromEntries((details ?? []).map((d) => [d.field ?? 'input', d.message])),
        });
        notify.error(o.failTitle, err);
      })
      .finally(() => setBusy(false));
  };
  return {
    errors,
    busy,
    /** Spread on the `<form>`: Enter and the submit button both check, then send. */
    props: {
      noValidate: true,
      onSubmit: (e: FormEvent) => (e.preventDefault(), submit()),
    },
  };
}
