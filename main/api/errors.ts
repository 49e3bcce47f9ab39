import { z } from 'zod';
import { isPartnergateError, type ErrorDetail, type ErrorKind } from '../../shared/errors.ts';

/** The one error shape every partner API failure uses. */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe('Stable machine-readable code, e.g. `invalid_api_key`.'),
      message: z.string().describe('What was wrong, in words a person can act on.'),
      request_id: z.string().describe('Quote it to your account manager; it is in the server log.'),
      details: z.array(z.object({ field: z.string().optional(), message: z.string() })),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorBody>;

/** A refusal decided by the API itself (auth, whitelist, rate limit, scope, caps). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    details: ErrorDetail[] = [],
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 422,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  environment: 503,
};

export interface MappedError {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** Fastify's own refusals, in words a partner can act on. */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'Send the body as JSON, with "Content-Type: application/json".',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'body_too_large',
    message: 'The body is larger than this endpoint accepts (64 KiB).',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The body is not valid JSON.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The body is empty; send a JSON object.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'bad_request',
    message: 'Content-Length does not match the body sent.',
  },
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'invalid_url',
    message: 'The path is not valid percent-encoding; encode reserved characters as %XX.',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'uri_too_long',
    message: 'A part of the path is too long; ids are whole numbers of at most 10 digits.',
  },
};

/** The one shape, as text, for answers written straight to a socket or a raw response. */
export function errorText(code: string, message: string, requestId: string): string {
  return JSON.stringify({ error: { code, message, request_id: requestId, details: [] } });
}

/** Any thrown value → status and body. Unknown failures never leak their message or stack. */
export function mapError(e: unknown, requestId: string): MappedError {
  const body = (code: string, message: string, details: ErrorDetail[] = []): ErrorBody => ({
    error: { code, message, request_id: requestId, details },
  });
  if (e instanceof ApiError)
    return { status: e.status, body: body(e.code, e.message, e.details), headers: e.headers };
  if (isPartnergateError(e) && e.kind === 'environment') {
    // The server's trouble (disk, lock, files): the operator's log has the details and the
    // paths; a partner learns what happened and when to try again.
    const retry = e.code === 'database_busy' ? 1 : 30;
    return {
      status: 503,
      body: body(
        e.code,
        `Partnergate cannot answer this request right now (${e.code.replace(/_/g, ' ')}); try again in ${retry} second${retry === 1 ? '' : 's'}. If it persists, quote request id ${requestId} to your account manager.`,
      ),
      headers: { 'retry-after': String(retry) },
    };
  }
  if (isPartnergateError(e))
    return {
      status: STATUS_OF_KIND[e.kind],
      body: body(e.code, e.message, e.details),
      headers: {},
    };
  const fastifyError = e as {
    statusCode?: number;
    code?: string;
    message?: string;
    validation?: unknown;
  };
  if (fastifyError.validation) {
    const issues = (
      fastifyError.validation as {
        instancePath?: string;
        message?: string;
        params?: { issue?: { path?: (string | number)[] } };
      }[]
    ).map((v) => ({
      field:
        (v.params?.issue?.path ?? []).map(String).join('.') ||
        (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') ||
        'request',
      message: v.message ?? 'invalid',
    }));
    return {
      status: 400,
      body: body(
        'invalid_parameters',
        `The request has invalid parameters: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}.`,
        issues,
      ),
      headers: {},
    };
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const known = FRAMEWORK_ERRORS[fastifyError.code ?? ''];
    return {
      status: known?.status ?? fastifyError.statusCode,
      body: body(
        known?.code ?? 'bad_request',
        known?.message ?? fastifyError.message ?? 'Bad request.',
      ),
      headers: {},
    };
  }
  return {
    status: 500,
    body: body(
      'internal_error',
      `Something went wrong on our side; quote request id ${requestId} to your account manager.`,
    ),
    headers: {},
  };
}
