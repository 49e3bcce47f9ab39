/** What the partner API's routes share: their schemas' parts, error answers and raw bodies. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { isoDate, timeZone, type ReportResult } from '../../../shared/schemas.ts';
import type { Core } from '../../core.ts';
import { presentReport, reportToCsv } from '../../report-output.ts';
import { decodeCursor, encodeCursor } from '../../services/event-search.ts';
import type { HandoutEndpoints } from '../../services/handouts.ts';
import { errorBody } from '../errors.ts';
import { JSON_TYPE, type Answered, type FastAnswer, type FastDoor } from '../fast-door.ts';
import { API_PREFIX, asWritten, type Caller } from '../request-auth.ts';
import { bodySerializer } from '../serializer.ts';

export interface RouteOptions {
  now: () => number;
  maxRangeDays: number;
  maxScanRows: number;
  /** How long a write waits for the write lock before the request is answered 503. */
  writeWaitMs: number;
  /** Where this listener answers and the certificate it serves, for handouts. */
  handoutEndpoints: () => Omit<HandoutEndpoints, 'maxRangeDays'>;
}

export const withZod = (app: FastifyInstance) => app.withTypeProvider<ZodTypeProvider>();

/** What a route module gets: the app with zod types, the core, the listener's limits. */
export interface RouteContext {
  app: ReturnType<typeof withZod>;
  /** The untyped app (the OpenAPI document route reads its swagger()). */
  root: FastifyInstance;
  core: Core;
  /** Routes it may answer before Fastify (see fast-door.ts). */
  door: Pick<FastDoor, 'answer'>;
  o: RouteOptions;
}

export const MAX_PAGE = 10_000;
export const cell = z.union([z.string(), z.number(), z.null()]);
export const row = z.record(z.string(), cell);
export const column = z.object({
  id: z.string(),
  label: z.string(),
  kind: z.enum(['dimension', 'metric']),
  format: z.string(),
});
export const range = z.object({ from: z.string(), to: z.string(), timezone: z.string() });

/** Every error status any operation can answer, from any layer, with what it means. */
export const errors = {
  400: errorBody.describe(
    'invalid_parameters: a parameter is malformed (`details` names each one); invalid_url: the path is not valid percent-encoding; bad_request: the request is not valid HTTP.',
  ),
  401: errorBody.describe(
    'missing_api_key, invalid_api_key (malformed, bad checksum or unknown), key_revoked, key_expired, or query_auth_not_allowed.',
  ),
  403: errorBody.describe(
    'ip_not_allowed (the message names the address seen), insufficient_scope (names the scope needed), account_suspended, report_not_shared.',
  ),
  404: errorBody.describe('not_found, report_not_found.'),
  409: errorBody.describe('offer_archived.'),
  422: errorBody.describe(
    'Understood but refused: range_too_long, range_end_before_start, incomplete_range, too_many_rows, invalid_cursor, unknown_parameter, column_not_allowed, invalid_report.',
  ),
  408: errorBody.describe('request_timeout: the request was not received in time.'),
  414: errorBody.describe('uri_too_long: a part of the path is too long.'),
  429: errorBody.describe(
    'rate_limited (see Retry-After and RateLimit-Reset) or too_many_failed_attempts.',
  ),
  431: errorBody.describe('headers_too_large: the request line and headers exceed 16 KiB.'),
  500: errorBody.describe(
    'internal_error: something failed on the server; quote the request_id to your account manager.',
  ),
  503: errorBody.describe(
    'database_busy, disk_full, database_read_only, database_corrupt, storage_io_error: the server cannot answer now (see Retry-After); shutting_down: the listener is stopping.',
  ),
};

/** What only an operation with a body can answer. */
export const bodyErrors = {
  ...errors,
  400: errorBody.describe(
    'invalid_parameters: a field is malformed (`details` names each one); invalid_json: the body is not JSON; invalid_url, bad_request as for every operation.',
  ),
  413: errorBody.describe('body_too_large: the body exceeds 64 KiB.'),
  415: errorBody.describe('unsupported_media_type: send JSON with Content-Type: application/json.'),
  417: errorBody.describe('expectation_failed: an Expect header other than 100-continue.'),
};

export const rangeQuery = {
  from: isoDate.optional().describe('First day, YYYY-MM-DD (with `to`).'),
  to: isoDate.optional().describe('Last day, YYYY-MM-DD, inclusive.'),
  tz: timeZone
    .optional()
    .describe('IANA time zone the days are cut in; default: the report’s or the account’s.'),
};
export const limitQuery = (def: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE)
    .default(def)
    .describe(`Rows per page, 1–${MAX_PAGE} (default ${def}).`);
export const listParam = (what: string) =>
  z.string().max(2000).optional().describe(`Only these ${what}, comma-separated.`);
export const authQuery = {
  api_key: z.string().optional().describe('The key, for keys allowed in the URL.'),
  token: z.string().optional().describe('Alias of api_key.'),
};

/**
 * Sends a body the JSON serializer must not touch (CSV, NDJSON streams, JSON already written);
 * with a file name, as a file the client may save.
 */
export function sendRaw(
  reply: FastifyReply,
  contentType: string,
  body: string | Buffer | Readable,
  filename?: string,
): void {
  if (filename) reply.header('content-disposition', `inline; filename="${filename}"`);
  void reply.type(contentType).serializer(asWritten).send(body);
}

/** `a, b,,c` → ['a', 'b', 'c']; nothing (or only commas) → undefined. */
export function splitList(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

export function decodeOffset(cursor: string | undefined): number {
  return cursor === undefined ? 0 : decodeCursor('offset', cursor);
}

/** A report's rows and totals as the API answers them, with the cursor of the next page. */
export function reportResponse(result: ReportResult, limit: number, offset: number) {
  const p = presentReport(result);
  const next =
    offset + result.rows.length < result.totalRows
      ? encodeCursor('offset', offset + result.rows.length)
      : null;
  return {
    report: p.report,
    range: p.range,
    columns: p.columns,
    rows: p.rows,
    totals: p.totals,
    paging: { limit, total_rows: p.totalRows, next_cursor: next },
  };
}

export const reportBody = z
  .object({
    report: z.object({ id: z.number().nullable(), name: z.string(), dataset: z.string() }),
    range,
    columns: z.array(column),
    rows: z.array(row),
    totals: z.array(row).describe('One totals row per currency.'),
    paging: z.object({
      limit: z.number(),
      total_rows: z.number(),
      next_cursor: z.string().nullable(),
    }),
  })
  .describe('Rows and totals; money in major units of the row’s `currency`.');

/**
 * Bodies already written for a report answer the service kept in memory (see reports.run):
 * a partner polling the same report gets the same text without it being written again.
 */
const written = new WeakMap<ReportResult, Map<string, Buffer>>();

/** A kept answer's body, encoded once: every request then sends the same bytes, uncopied. */
function writtenOnce(result: ReportResult, key: string, write: () => string): Buffer {
  let bodies = written.get(result);
  if (!bodies) written.set(result, (bodies = new Map<string, Buffer>()));
  let body = bodies.get(key);
  if (body === undefined) bodies.set(key, (body = Buffer.from(write())));
  return body;
}

/** A report's answer: CSV as text, else JSON with paging. */
export function reportAnswer(
  result: ReportResult,
  o: { format: 'json' | 'csv'; limit: number; offset: number; filename: string },
): Answered {
  if (o.format === 'csv')
    return {
      contentType: 'text/csv; charset=utf-8',
      body: writtenOnce(result, 'csv', () => reportToCsv(result)),
      filename: o.filename,
    };
  return {
    contentType: JSON_TYPE,
    body: writtenOnce(result, `${o.limit}:${o.offset}`, () =>
      JSON.stringify(reportResponse(result, o.limit, o.offset)),
    ),
  };
}

/** A report's answer sent through Fastify. */
export function answerReport(
  reply: FastifyReply,
  result: ReportResult,
  o: { format: 'json' | 'csv'; limit: number; offset: number; filename: string },
): undefined {
  sendAnswer(reply, reportAnswer(result, o));
  return undefined;
}

/** Sends an answer through Fastify, as the fast door would send it. */
export function sendAnswer(reply: FastifyReply, a: Answered): void {
  sendRaw(reply, a.contentType, a.body, a.filename);
}

/**
 * `GET <API_PREFIX><path>`, answered by `fast.answer` through Fastify (validated by the same
 * schemas) or by the fast door before it: one function, one set of bytes, either way.
 */
export function answeredGet<P, Q>(
  { app, door }: RouteContext,
  path: string,
  schema: {
    summary: string;
    description?: string;
    tags: string[];
    response: Record<number, z.ZodType>;
  },
  fast: FastAnswer<P, Q> & { params?: z.ZodType<P>; query: z.ZodType<Q> },
): void {
  app.get(
    `${API_PREFIX}${path}`,
    {
      schema: {
        ...schema,
        ...(fast.params && { params: fast.params }),
        querystring: fast.query,
      },
    },
    (req, reply) => sendAnswer(reply, fast.answer(req, req.params as P, req.query as Q)),
  );
  door.answer(`${API_PREFIX}${path}`, fast);
}

/**
 * One partner-API operation, served by both doors: the REST route (which adds `format` and the
 * URL key to its query) and the MCP tool of the same name (which takes the same parameters as
 * arguments). The key, its whitelist, rate limit and scopes were checked on the request before
 * `run`; `run` checks the scope it needs and calls the service, the same code for both.
 */
export interface Operation<I extends z.ZodObject = z.ZodObject, O extends z.ZodType = z.ZodType> {
  /** The MCP tool's name. */
  tool: string;
  summary: string;
  description: string;
  input: I;
  output: O;
  run(req: Caller, q: z.output<I>): z.input<O>;
}

export const operation = <I extends z.ZodObject, O extends z.ZodType>(op: Operation<I, O>) => op;

/** `GET <API_PREFIX><path>` answering one operation that takes no parameters but the key. */
export function getOperation(
  context: RouteContext,
  path: string,
  tag: string,
  op: Operation<z.ZodObject<Record<string, never>>>,
  /** Writes the body as the output's serializer does (kept text, for instance); default: it. */
  write?: (caller: Caller) => string,
): void {
  let text = write;
  if (!text) {
    const serialize = bodySerializer(op.output);
    text = (caller) => serialize(op.run(caller, {}));
  }
  answeredGet(
    context,
    path,
    { summary: op.summary, tags: [tag], response: { 200: op.output, ...errors } },
    {
      query: op.input.extend(authQuery),
      answer: (caller: Caller) => ({ contentType: JSON_TYPE, body: text(caller) }),
    },
  );
}
