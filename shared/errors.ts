/**
 * Domain errors carry a stable machine-readable code and a message a person can act on.
 * Front doors map them: the CLI to an exit code, the partner API to an HTTP status, the
 * admin UI to a notification. `kind` decides that mapping so no front door keeps a list of codes.
 */
export type ErrorKind =
  /** The input was malformed or out of range: the caller must change what they sent. */
  | 'invalid'
  /** The thing named does not exist. */
  | 'not_found'
  /** The input was fine but the current state forbids the operation. */
  | 'conflict'
  /** The operation is not allowed for this caller or by policy. */
  | 'forbidden'
  /** The environment failed: data directory, database file, master key. */
  | 'environment';

export interface ErrorDetail {
  /** Which input was wrong (a flag, a field, a CSV column, a query parameter). */
  field?: string;
  message: string;
}

export class PartnergateError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: ErrorDetail[];

  constructor(kind: ErrorKind, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'PartnergateError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

export function invalid(code: string, message: string, details?: ErrorDetail[]): PartnergateError {
  return new PartnergateError('invalid', code, message, details);
}

export function notFound(what: string, id: number | string): PartnergateError {
  return new PartnergateError(
    'not_found',
    `${what.replace(/ /g, '_')}_not_found`,
    `No ${what} with id ${id}.`,
  );
}

export function conflict(code: string, message: string): PartnergateError {
  return new PartnergateError('conflict', code, message);
}

export function forbidden(code: string, message: string): PartnergateError {
  return new PartnergateError('forbidden', code, message);
}

export function isPartnergateError(e: unknown): e is PartnergateError {
  return e instanceof PartnergateError;
}
