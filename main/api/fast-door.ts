/**
 * The fast door: the partner API's busiest answers written before Fastify sees the request.
 * A partner's poll (`GET /me`, a report answered from memory) and every refusal of the gate
 * (no key, a wrong key, an address not allowed, over the rate limit) are answered here with
 * the same gate, the same operation and the same bytes as through Fastify, without a request
 * and reply object, hooks or a per-request logger around them.
 *
 * Everything else goes on to Fastify: other methods, paths outside the API, public and handout
 * routes, requests with a body, percent-encoded paths, inputs that fail their schema (Fastify
 * answers the same 400 with its validator's details), streams, and the listener stopping. A
 * request this door gated and passed on carries its verdict, so the gate runs once per request
 * (a rate limit is never counted twice).
 *
 * Requests reach it two ways: from Node's HTTP server (`handle`), and on plain HTTP from the
 * lean reader (lean-http.ts), which reads kept-alive polls off the socket itself.
 */
import FindMyWay from 'find-my-way';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { z } from 'zod';
import type { RequestJournal } from '../services/request-journal.ts';
import { clientAddress } from './client-address.ts';
import type { IpRange } from '../../shared/ip-range.ts';
import { presentedKey, type Gate, type Verdict } from './gate.ts';
import { API_PREFIX, refusalText, type AuthContext, type Caller } from './request-auth.ts';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** A route's answer as bytes, whichever door sends it. */
export interface Answered {
  contentType: string;
  body: string | Buffer;
  /** Offered as a file of this name (Content-Disposition). */
  filename?: string;
}

/** A failure as the partner sees it: status, the one error body, extra headers. */
export interface FailedAnswer {
  status: number;
  code: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * A GET route the fast door may answer itself: the schemas of its path parameters and query
 * (the same objects its Fastify route validates with) and the function both doors call.
 */
export interface FastAnswer<P = never, Q = never> {
  params?: z.ZodType<P>;
  query: z.ZodType<Q>;
  answer(caller: Caller, params: P, query: Q): Answered;
}

interface RouteEntry {
  url: string;
  access: 'public' | 'handout' | 'key';
  fast: FastAnswer<unknown, unknown> | null;
}

const VERDICT = Symbol('partnergate.verdict');
/** URLs whose routes and inputs are kept (then the whole set starts afresh). */
const ROUTED_URLS = 2_000;

interface Input {
  params: unknown;
  query: unknown;
}

interface Routed {
  entry: RouteEntry;
  params: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, unknown>>;
  /** Parsed once it passed its schemas. */
  input: Input | undefined;
}
type Gated = IncomingMessage & { [VERDICT]?: Verdict };
const PENDING = Symbol('partnergate.pendingVerdict');
type Carrying = Socket & { [PENDING]?: Verdict };

/**
 * Hands a verdict to the first request Node's HTTP server reads on `socket` (the one the gate
 * just decided, whose bytes are handed over with the connection).
 */
export function carryVerdict(socket: Socket, verdict: Verdict): void {
  (socket as Carrying)[PENDING] = verdict;
}

/**
 * Whether the request came with a verdict carried over from the lean reader; if so it now
 * holds it (see `verdictOf`) and the connection no longer does.
 */
export function takeCarried(req: IncomingMessage): boolean {
  const socket = req.socket as Carrying;
  const carried = socket[PENDING];
  if (!carried) return false;
  socket[PENDING] = undefined;
  (req as Gated)[VERDICT] = carried;
  return true;
}

/**
 * The request headers the door reads, and the only ones the lean reader gives it: a door that
 * read another one would answer a kept-alive poll without it.
 */
export interface DoorHeaders {
  readonly authorization?: string | undefined;
  readonly 'x-api-key'?: string | string[] | undefined;
  readonly 'x-forwarded-for'?: string | string[] | undefined;
  readonly 'content-length'?: string | undefined;
  readonly 'transfer-encoding'?: string | undefined;
}

/** Writes an answer: status, headers as name, value, name, value…, body. */
export type Send = (status: number, headers: string[], body: string | Buffer) => void;

/** The verdict the fast door reached on a request it passed on to Fastify. */
export function verdictOf(raw: IncomingMessage): Verdict | undefined {
  return (raw as Gated)[VERDICT];
}

export interface FastDoorOptions {
  gate: Gate;
  journal: RequestJournal;
  now: () => number;
  trusted: readonly IpRange[];
  requestId: () => string;
  /** True once the listener is stopping (Fastify then answers every request 503). */
  closing: () => boolean;
  /** A thrown failure, as the error handler answers it (and logs it when the server's fault). */
  failed: (e: unknown, requestId: string) => FailedAnswer;
}

export function createFastDoor(o: FastDoorOptions) {
  // The router Fastify uses, with Fastify's options: a path matches here exactly when it does there.
  const router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 200 });
  const entries = new Map<string, RouteEntry>();
  let answered = 0;

  /** Writes an answer's head and body through `send`, as both transports lay them out. */
  function write(
    send: Send,
    status: number,
    a: Answered,
    requestId: string,
    headers: Record<string, string>,
  ): void {
    const h = [
      'content-type',
      a.contentType,
      'content-length',
      String(typeof a.body === 'string' ? Buffer.byteLength(a.body) : a.body.length),
      'x-request-id',
      requestId,
    ];
    for (const name in headers) h.push(name, headers[name]!);
    if (a.filename) h.push('content-disposition', `inline; filename="${a.filename}"`);
    send(status, h, a.body);
  }

  /**
   * What a URL asks for, by URL: a partner's poll repeats its URL word for word, and its
   * route, raw parameters and parsed input are pure functions of it. Frozen, so no answer can
   * change what the next one gets; a URL carrying a key or a link's token is never kept.
   */
  const routed = new Map<string, Routed>();
  function routeOf(url: string): Routed | null {
    let r = routed.get(url);
    if (r) return r;
    const found = router.find('GET', url);
    if (!found) return null;
    const query = Object.freeze(found.searchParams) as Record<string, unknown>;
    r = {
      entry: found.store as RouteEntry,
      params: Object.freeze(found.params),
      query,
      input: undefined,
    };
    // Only the key routes' URLs: a handout's has its link's token in the path.
    if (r.entry.access === 'key' && query.api_key === undefined && query.token === undefined) {
      if (routed.size >= ROUTED_URLS) routed.clear();
      routed.set(url, r);
    }
    return r;
  }

  /** The route's input parsed by its schemas (null when they refuse it: Fastify answers). */
  function parsedInput(r: Routed, fast: FastAnswer<unknown, unknown>): Input | null {
    if (r.input) return r.input;
    const params = fast.params ? fast.params.safeParse(r.params) : null;
    const query = fast.query.safeParse(r.query);
    if (params?.success === false || !query.success) return null;
    return (r.input = Object.freeze({
      params: Object.freeze(params?.data),
      query: Object.freeze(query.data),
    }));
  }

  /**
   * Answers a request through `send` and returns true; or returns what Fastify needs to answer
   * it: false when the gate has not seen it, the gate's verdict when it has. Both ways a
   * request arrives call it: `handle` below (Node's HTTP server) and the lean reader.
   */
  function serve(
    method: string | undefined,
    url: string,
    headers: DoorHeaders,
    remoteAddress: string | undefined,
    send: Send,
  ): boolean | Verdict {
    if (
      method !== 'GET' ||
      !url.startsWith(API_PREFIX) ||
      url.includes('%') ||
      headers['content-length'] !== undefined ||
      headers['transfer-encoding'] !== undefined ||
      o.closing()
    )
      return false;
    const found = routeOf(url);
    if (!found) return false;
    const entry = found.entry;
    if (entry.access !== 'key') return false;

    const startedAt = performance.now();
    const t = o.now();
    const ip = clientAddress(remoteAddress, headers['x-forwarded-for'], o.trusted);
    const query = found.query;
    const requestId = o.requestId();
    let status = 0;
    let errorCode: string | null = null;
    let auth: AuthContext | null = null;
    let rows = 0;
    /** A thrown failure, answered as the error handler answers it. */
    const fail = (e: unknown, extra: Record<string, string>) => {
      const f = o.failed(e, requestId);
      status = f.status;
      errorCode = f.code;
      const body = { contentType: JSON_TYPE, body: f.body };
      write(send, status, body, requestId, { ...extra, ...f.headers });
    };
    let verdict: Verdict | null = null;
    try {
      verdict = o.gate.key(ip, presentedKey(headers, query), t);
    } catch (e) {
      // The gate could not decide (the store failed under it).
      fail(e, {});
    }
    if (!verdict) {
      // Answered by `fail`.
    } else if (!verdict.ok) {
      ({ status, auth } = verdict);
      errorCode = verdict.code;
      write(
        send,
        status,
        {
          contentType: JSON_TYPE,
          body: refusalText(false, verdict.code, verdict.message, requestId, verdict.details),
        },
        requestId,
        verdict.headers,
      );
    } else {
      const fast = entry.fast;
      const input = fast && parsedInput(found, fast);
      if (!fast || !input) return verdict;
      auth = verdict.auth;
      const caller: Caller = { auth, rowsReturned: 0 };
      try {
        const a = fast.answer(caller, input.params, input.query);
        status = 200;
        write(send, status, a, requestId, verdict.headers);
      } catch (e) {
        fail(e, verdict.headers);
      }
      rows = caller.rowsReturned;
    }
    answered++;
    o.journal.record({
      at: t,
      requestId,
      keyId: auth?.key.id ?? null,
      accountId: auth?.account.id ?? null,
      ip,
      method: 'GET',
      route: entry.url,
      status,
      errorCode,
      rows,
      durationMs: Math.round((performance.now() - startedAt) * 1000) / 1000,
    });
    return true;
  }

  return {
    /** A route Fastify serves, as its onRoute hook sees it (GETs under the API prefix). */
    route(method: string | readonly string[], url: string, access: RouteEntry['access']): void {
      const methods = typeof method === 'string' ? [method] : method;
      if (!methods.includes('GET') || !url.startsWith(API_PREFIX) || entries.has(url)) return;
      const entry: RouteEntry = { url, access, fast: null };
      entries.set(url, entry);
      router.on('GET', url, () => {}, entry);
    },

    /** Lets the door answer a route itself (registered with Fastify first). */
    answer<P, Q>(url: string, fast: FastAnswer<P, Q>): void {
      const entry = entries.get(url);
      if (!entry) throw new Error(`${url} is not a GET route of the partner API`);
      entry.fast = fast;
    },

    /** Requests answered here so far (the rest went on to Fastify). */
    get answered(): number {
      return answered;
    },

    serve,

    /**
     * Answers the request and returns true, or returns false for Fastify to answer it. A request
     * the lean reader gated before handing its connection over carries that verdict already.
     */
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      if (takeCarried(req)) return false;
      const r = serve(req.method, req.url!, req.headers, req.socket.remoteAddress, (s, h, b) => {
        res.writeHead(s, h);
        res.end(b);
      });
      if (r === true) return true;
      if (r) (req as Gated)[VERDICT] = r;
      return false;
    },
  };
}

export type FastDoor = ReturnType<typeof createFastDoor>;
