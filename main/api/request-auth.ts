/**
 * What every partner API route knows about its request: the key and account it came with (the
 * account is always the key's own, OWASP API1), and the check that the key has the scope the
 * route needs. Set by the listener's request hook, read by the routes.
 */
import type { Account } from '../../shared/schemas.ts';
import type { Scope } from '../../shared/scopes.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorDetail } from '../../shared/errors.ts';
import type { KnownKey } from '../services/key-auth.ts';
import { ApiError } from './errors.ts';
import type { RateDecision } from './rate-limiter.ts';

export const API_PREFIX = '/api/v1';
/** Where AI assistants reach the same operations (Model Context Protocol). */
export const MCP_PATH = '/mcp';

/** The serializer of a body already written (refusals, CSV, JSON kept with a report answer). */
export const asWritten = (payload: unknown) => payload as string;

/**
 * Sends a refusal without throwing (the hot path of rejected calls, from the request hook
 * itself). An MCP client is answered in JSON-RPC's error shape, with the same code in its data.
 */
export function refuse(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details: ErrorDetail[] = [],
): FastifyReply {
  req.errorCode = code;
  return reply
    .status(status)
    .type('application/json; charset=utf-8')
    .serializer(asWritten)
    .send(refusalText(req.url.startsWith(MCP_PATH), code, message, req.id, details));
}

/** What JSON.stringify writes escaped in a string: quotes, backslashes, controls, lone surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON.stringify writes it; most need no escape and are quoted as they are. */
const jsonString = (s: string): string => (ESCAPED.test(s) ? JSON.stringify(s) : `"${s}"`);

/** Details as JSON.stringify writes them. */
function detailsText(details: readonly ErrorDetail[]): string {
  let text = '[';
  for (let i = 0; i < details.length; i++) {
    const { field, message } = details[i]!;
    text += `${i ? ',' : ''}{${field === undefined ? '' : `"field":${jsonString(field)},`}"message":${jsonString(message)}}`;
  }
  return `${text}]`;
}

/**
 * A refusal's body, built as text (refusals are the path a flood of bad requests takes): the
 * one error shape, or JSON-RPC's for an MCP client.
 */
export function refusalText(
  mcp: boolean,
  code: string,
  message: string,
  requestId: string,
  details: readonly ErrorDetail[],
): string {
  return mcp
    ? `{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":${jsonString(`${code}: ${message}`)},"data":{"code":${jsonString(code)},"request_id":"${requestId}","details":${detailsText(details)}}}}`
    : `{"error":{"code":${jsonString(code)},"message":${jsonString(message)},"request_id":"${requestId}","details":${detailsText(details)}}}`;
}

/**
 * What an operation knows of the request it answers, whichever door it came through: the
 * key and account, and the rows it returned (for the journal).
 */
export interface Caller {
  auth: AuthContext | null;
  rowsReturned: number;
}

export interface AuthContext {
  key: KnownKey['key'];
  account: Account;
  rate: RateDecision;
}

declare module 'fastify' {
  interface FastifyRequest {
    clientIp: string;
    startedAt: number;
    auth: AuthContext | null;
    /** Rows the response carried, for the journal. */
    rowsReturned: number;
    errorCode: string | null;
    /** What the journal records when the HTTP answer does not say it (an MCP tool's call). */
    journalRoute: string | null;
    journalStatus: number | null;
  }
  interface FastifyContextConfig {
    /** Served without a key (health, docs, the OpenAPI document). */
    public?: boolean;
    /** Authenticated by the key a handout link (`:token` in the path) belongs to. */
    handout?: boolean;
  }
}

export const AUTH_MESSAGES: Record<string, string> = {
  missing_api_key:
    'No API key was sent. Send it as "Authorization: Bearer KEY" or "X-API-Key: KEY".',
  invalid_api_key:
    'The API key is not valid. Check it was copied whole; ask your account manager for a new one if it still fails.',
  key_revoked: 'This API key was revoked. Ask your account manager for a new key.',
  key_expired:
    'This API key has expired. Ask your account manager to extend it or issue a new one.',
};

/** The request's key and account, once it is known the key may do `scope`. */
export function requireScope(req: Caller, scope: Scope): AuthContext {
  const auth = req.auth;
  if (!auth) throw new ApiError(401, 'missing_api_key', AUTH_MESSAGES.missing_api_key!);
  if (!auth.key.scopes.includes(scope)) {
    throw new ApiError(
      403,
      'insufficient_scope',
      `This key lacks the ${scope} permission this endpoint needs; ask your account manager to add it.`,
      [{ field: 'scope', message: `requires ${scope}` }],
    );
  }
  return auth;
}

/** The request's key and account, for routes every key may call. */
export function requireKey(req: Caller): AuthContext {
  if (!req.auth) throw new ApiError(401, 'missing_api_key', AUTH_MESSAGES.missing_api_key!);
  return req.auth;
}
