/**
 * One admin call, whatever carried it (Electron IPC or the loopback admin listener): the method
 * must be in the contract, the input is parsed with its schema, the handler runs without ever
 * blocking the event loop on the write lock, and any failure becomes the contract's error shape.
 */
import { z } from 'zod';
import {
  adminContract,
  type AdminCaller,
  type AdminError,
  type AdminHandlers,
  type AdminMethod,
} from '../../shared/admin-contract.ts';
import { forbidden, isPartnergateError, type ErrorKind } from '../../shared/errors.ts';
import { refusal } from '../../shared/permissions.ts';
import { fieldProblems, problemsSentence } from '../../shared/validation.ts';
import type { WhenWritable } from '../services/write-wait.ts';

/** How long an admin change waits for another process's write lock (an import committing). */
export const ADMIN_WRITE_WAIT_MS = 15_000;

export type { AdminCaller };

export type AdminAnswer =
  { ok: true; result: unknown } | { ok: false; status: number; error: AdminError };

export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  environment: 503,
};

/** Refuses a call the signed-in person's role does not allow, naming the permission it needs. */
export function authorizeByRole(method: AdminMethod, caller: AdminCaller): void {
  if (!caller.user) return;
  const why = refusal(caller.user.role, method);
  if (why) throw forbidden('permission_missing', why);
}

export interface AdminDispatchOptions {
  handlers: AdminHandlers;
  whenWritable: WhenWritable;
  /** Refuses a call the caller may not make (throws a `forbidden` error); by role by default. */
  authorize?: (method: AdminMethod, caller: AdminCaller) => void;
  /** Which partners the caller reaches: checked on the parsed input, applied to the answer. */
  scope?: {
    check(method: AdminMethod, input: unknown, caller: AdminCaller): void;
    after(method: AdminMethod, result: unknown, caller: AdminCaller): unknown;
  };
  /** Runs a call with the caller as the audit log's actor. */
  runAs?: <T>(caller: AdminCaller, fn: () => T) => T;
  /** Turns a storage failure into an environment error naming the store. */
  explainError: (e: unknown) => unknown;
  /** Failures that are not the caller's (status 500) are logged here. */
  log?: (e: unknown, method: string) => void;
}

export function isAdminMethod(name: unknown): name is AdminMethod {
  return typeof name === 'string' && Object.hasOwn(adminContract, name);
}

export function adminError(e: unknown): { status: number; error: AdminError } {
  if (e instanceof z.ZodError) {
    const details = fieldProblems(e);
    return {
      status: 400,
      error: { code: 'invalid_input', message: problemsSentence('input', details), details },
    };
  }
  if (isPartnergateError(e))
    return {
      status: STATUS_OF_KIND[e.kind],
      error: { code: e.code, message: e.message, details: e.details },
    };
  return {
    status: 500,
    error: {
      code: 'internal_error',
      message: 'Something went wrong; the details are in the log.',
      details: [],
    },
  };
}

/** The answer to a call of a method the contract does not have. */
export function unknownMethod(method: unknown): AdminAnswer {
  return {
    ok: false,
    status: 404,
    error: {
      code: 'unknown_method',
      message: `There is no admin call ${String(method)}.`,
      details: [],
    },
  };
}

export function adminDispatcher(o: AdminDispatchOptions) {
  const runAs = o.runAs ?? (<T>(_caller: AdminCaller, fn: () => T): T => fn());
  return async function dispatch(
    method: unknown,
    input: unknown,
    caller: AdminCaller = {},
  ): Promise<AdminAnswer> {
    if (!isAdminMethod(method)) return unknownMethod(method);
    try {
      (o.authorize ?? authorizeByRole)(method, caller);
      const parsed: unknown = adminContract[method].input.parse(input ?? {});
      const handler = o.handlers[method] as (i: unknown, c: AdminCaller) => unknown;
      const result = await o.whenWritable(
        () =>
          runAs(caller, () => {
            o.scope?.check(method, parsed, caller);
            return handler(parsed, caller);
          }),
        { waitMs: ADMIN_WRITE_WAIT_MS },
      );
      return {
        ok: true,
        result: o.scope ? runAs(caller, () => o.scope!.after(method, result, caller)) : result,
      };
    } catch (raw) {
      const e = o.explainError(raw);
      const { status, error } = adminError(e);
      if (status >= 500 && error.code === 'internal_error') o.log?.(e, method);
      return { ok: false, status, error };
    }
  };
}

export type AdminDispatch = ReturnType<typeof adminDispatcher>;
