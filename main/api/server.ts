/**
 * The partner API: every request goes auth → IP whitelist → rate limit → scope → route, and
 * the account always comes from the key (OWASP API1). Built as a Fastify instance over the
 * core, so the CLI's `serve`, the desktop app and the tests start exactly the same thing.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Core } from '../core.ts';
import { narrowestMatch } from '../services/ip-rules.ts';
import type { KnownKey } from '../services/key-auth.ts';
import { errorText, mapError } from './errors.ts';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { KeyRejection } from '../services/keys.ts';
import { DEFAULT_MAX_SCAN_ROWS } from '../services/scan-budget.ts';
import { clientAddress, parsedAddress, parseTrustedProxies } from './client-address.ts';
import { FixedWindowLimiter, rateLimitHeaders } from './rate-limiter.ts';
import type { RequestJournal } from '../services/request-journal.ts';
import { registerRoutes, type RouteOptions } from './routes/index.ts';
import { compiledSerializer } from './serializer.ts';
import { API_PREFIX, AUTH_MESSAGES, refuse } from './request-auth.ts';

export { API_PREFIX };
import { addAlternateContentTypes } from './openapi.ts';
import { ICON_SVG, PRODUCT_NAME } from '../../shared/brand.ts';

export interface PartnerApiOptions {
  /** Addresses (or CIDR blocks) of reverse proxies whose X-Forwarded-For is believed. */
  trustedProxies?: readonly string[];
  /** Longest date range one request may ask for. */
  maxRangeDays?: number;
  /** Most raw rows one statement may read (the statement-time cap). */
  maxScanRows?: number;
  /** Wrong or missing keys one address may send per minute before its failures get 429. */
  authFailuresPerMinute?: number;
  /** Wrong or missing keys all addresses together may send per minute (default 5× per address). */
  authFailuresPerMinuteOverall?: number;
  logger?: FastifyBaseLogger | boolean;
  now?: () => number;
  /** Journal flush interval (tests shorten it). */
  journalIntervalMs?: number;
  /**
   * How long a postback waits for another process's write lock (a long import committing)
   * before it is answered 503 `database_busy` with Retry-After. The event loop runs meanwhile.
   */
  writeWaitMs?: number;
  /** Serve HTTPS with this certificate and key (PEM); plain HTTP without. */
  https?: { key: string; cert: string } | null;
  /** Where this listener answers and the certificate it serves, for handouts (default: unknown). */
  handoutEndpoints?: RouteOptions['handoutEndpoints'];
}

const AUTH_FAILURE_WINDOW_MS = 60_000;
/** Longest date range one request may ask for, unless the listener is told otherwise. */
export const DEFAULT_MAX_RANGE_DAYS = 366;

/** Unique per process run: a random prefix and a counter, cheap on the request path. */
const REQUEST_ID_PREFIX = `req_${randomBytes(6).toString('base64url')}`;
let requestCounter = 0;
function requestId(): string {
  return `${REQUEST_ID_PREFIX}${(++requestCounter).toString(36)}`;
}

/**
 * What Node's HTTP parser refuses before any route sees it (not HTTP, headers too large, too
 * slow), answered in the one error shape and the connection closed.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'The request was not received in time; send it again.']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [
            431,
            'headers_too_large',
            'The request line and headers are larger than 16 KiB; send a shorter URL or fewer headers.',
          ]
        : [
            400,
            'bad_request',
            'The request is not valid HTTP/1.1; check the request line and headers.',
          ];
  const body = errorText(code, message, requestId());
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
}

type Presented = { secret: string | undefined; via: 'header' | 'query' | 'none' };

function presentedKey(req: FastifyRequest): Presented {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.length > 0) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return { secret: m ? m[1] : auth, via: 'header' };
  }
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0)
    return { secret: header.trim(), via: 'header' };
  const q = req.query as Record<string, unknown> | undefined;
  const fromQuery = q?.api_key ?? q?.token;
  if (typeof fromQuery === 'string' && fromQuery.length > 0)
    return { secret: fromQuery, via: 'query' };
  return { secret: undefined, via: 'none' };
}

export async function buildPartnerApi(
  core: Core,
  o: PartnerApiOptions = {},
): Promise<{ app: FastifyInstance; journal: RequestJournal }> {
  const now = o.now ?? Date.now;
  const trusted = parseTrustedProxies(o.trustedProxies ?? []);
  const limiter = new FixedWindowLimiter();
  const failures = new FixedWindowLimiter();
  // Windows saved when the listener last stopped: a restart hands no key a fresh budget.
  const saved = core.rateWindows.saved(now());
  const prefixed = (prefix: string) =>
    saved
      .filter((w) => w.bucket.startsWith(prefix))
      .map((w) => ({ ...w, bucket: w.bucket.slice(prefix.length) }));
  limiter.restore(prefixed('limit:'), now());
  failures.restore(prefixed('auth:'), now());
  const failureBudget = o.authFailuresPerMinute ?? 20;
  const overallFailureBudget = o.authFailuresPerMinuteOverall ?? failureBudget * 5;
  const app = Fastify({
    logger: o.logger ?? false,
    genReqId: requestId,
    requestIdHeader: false,
    bodyLimit: 64 * 1024,
    // Partners call from spreadsheets and scripts: be lenient with trailing slashes, and with
    // an HTTP/1.1 request without Host (the listener answers on every name alike).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ...(o.https
      ? { https: { key: o.https.key, cert: o.https.cert, requireHostHeader: false } }
      : { http: { requireHostHeader: false } }),
    // Requests arriving while the listener stops get the one error shape (see onRequest).
    return503OnClosing: false,
    clientErrorHandler: answerClientError,
    // A path Fastify's router cannot take (bad percent-encoding, a parameter over 200 characters).
    frameworkErrors: (err, req, res) => {
      const mapped = mapError(err, req.id);
      req.errorCode = mapped.body.error.code;
      void (res as FastifyReply)
        .status(mapped.status)
        .type('application/json; charset=utf-8')
        .serializer(JSON.stringify)
        .send(mapped.body);
    },
  });
  // An Expect header other than 100-continue: Node would answer 417 with an empty body.
  app.server.on('checkExpectation', (req, res) => {
    const body = errorText(
      'expectation_failed',
      `This server does not meet "Expect: ${String(req.headers.expect)}"; send the request without it.`,
      requestId(),
    );
    res.writeHead(417, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  });
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const journal = core.usage.openJournal({
    ...(o.journalIntervalMs !== undefined && { intervalMs: o.journalIntervalMs }),
    onError: (e) => app.log.error({ err: e }, 'request journal write failed; will retry'),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(compiledSerializer);
  app.decorateRequest('clientIp', '');
  app.decorateRequest('startedAt', 0);
  app.decorateRequest('auth', null);
  app.decorateRequest('rowsReturned', 0);
  app.decorateRequest('errorCode', null);
  app.decorateRequest('journalRoute', null);
  app.decorateRequest('journalStatus', null);

  /**
   * Wrong and missing keys are slowed down, per address and over all addresses together, so
   * guessing from many addresses gets no faster; a valid key is always looked at first and
   * served (its own rate limit applies), so a NAT or a proxy full of partners is never locked
   * out by someone else's mistakes. A real key that stopped working (revoked, expired) is not
   * a guess: it is told why.
   */
  function refuseKey(
    req: FastifyRequest,
    reply: FastifyReply,
    code: KeyRejection,
    t: number,
  ): FastifyReply {
    if (code === 'invalid_api_key' || code === 'missing_api_key') {
      const over = failedAttempt(req, reply, t);
      if (over) return over;
    }
    reply.header('www-authenticate', 'Bearer realm="partnergate"');
    return refuse(req, reply, 401, code, AUTH_MESSAGES[code]!);
  }

  /** Counts a wrong or missing credential from this address; a sent 429 once over budget. */
  function failedAttempt(req: FastifyRequest, reply: FastifyReply, t: number): FastifyReply | null {
    const ip = req.clientIp;
    const mine = failures.peek(`ip:${ip}`, failureBudget, AUTH_FAILURE_WINDOW_MS, t);
    const everyone = failures.peek('all', overallFailureBudget, AUTH_FAILURE_WINDOW_MS, t);
    const over = !mine.allowed ? mine : !everyone.allowed ? everyone : null;
    if (over) {
      reply.headers(rateLimitHeaders(over));
      return refuse(
        req,
        reply,
        429,
        'too_many_failed_attempts',
        over === mine
          ? `Too many requests with a missing or wrong key from ${ip}; wait ${Math.ceil(over.resetInMs / 1000)} seconds.`
          : `Too many requests with a missing or wrong key are arriving; wait ${Math.ceil(over.resetInMs / 1000)} seconds.`,
      );
    }
    failures.hit('all', overallFailureBudget, AUTH_FAILURE_WINDOW_MS, t);
    reply.headers(
      rateLimitHeaders(failures.hit(`ip:${ip}`, failureBudget, AUTH_FAILURE_WINDOW_MS, t)),
    );
    return null;
  }

  /** Key → whitelist → rate limit. Returns a sent reply when the request is refused. */
  function authenticate(req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    const t = now();
    const presented = presentedKey(req);
    const found = core.keyAuth.lookup(presented.secret, t);
    if (!found.ok) return refuseKey(req, reply, found.code, t);
    if (presented.via === 'query' && !found.known.key.allowQueryAuth) {
      return refuse(
        req,
        reply,
        401,
        'query_auth_not_allowed',
        'This key may not be sent in the URL. Send it as "Authorization: Bearer KEY", or ask your account manager to allow URL keys.',
      );
    }
    return admit(req, reply, found.known, t);
  }

  /**
   * A handout link: its key as if presented, so the key's whitelist and rate limit apply. A
   * link that is off, unknown, or whose key stopped working counts as a wrong key.
   */
  function authenticateLink(req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    const t = now();
    const keyId = core.handouts.linkedKey((req.params as { token?: string }).token ?? '');
    const found = keyId === null ? null : core.keyAuth.byId(keyId, t);
    if (!found?.ok)
      return (
        failedAttempt(req, reply, t) ??
        refuse(
          req,
          reply,
          404,
          'handout_not_found',
          'This handout link does not work (any more): it was turned off, or its key expired or was revoked. Ask your account manager for a new one.',
        )
      );
    return admit(req, reply, found.known, t);
  }

  /** A known key's account, whitelist and rate limit. */
  function admit(
    req: FastifyRequest,
    reply: FastifyReply,
    { key, account, rules }: KnownKey,
    t: number,
  ): FastifyReply | undefined {
    const ip = req.clientIp;
    if (account.status === 'suspended') {
      return refuse(
        req,
        reply,
        403,
        'account_suspended',
        'This account is suspended; contact your account manager.',
      );
    }
    const client = parsedAddress(ip);
    if (!client || !narrowestMatch(rules, client.bytes)) {
      // Known key, so the refusal is journaled against it: the account manager sees the address to allow.
      req.auth = {
        key,
        account,
        rate: limiter.peek(`k:${key.id}`, key.rateLimitCount, key.rateLimitWindowMs, t),
      };
      return refuse(
        req,
        reply,
        403,
        'ip_not_allowed',
        `Requests from ${ip} are not allowed for this key. Ask your account manager to add ${ip} to the key's IP whitelist.`,
        [{ field: 'client_ip', message: ip }],
      );
    }
    const rate = limiter.hit(`k:${key.id}`, key.rateLimitCount, key.rateLimitWindowMs, t);
    req.auth = { key, account, rate };
    reply.headers(rateLimitHeaders(rate));
    if (!rate.allowed) {
      return refuse(
        req,
        reply,
        429,
        'rate_limited',
        `This key may make ${key.rateLimitCount} requests per ${Math.round(key.rateLimitWindowMs / 1000)} s; retry in ${Math.ceil(rate.resetInMs / 1000)} s.`,
      );
    }
    return undefined;
  }

  app.addHook('onRequest', (req, reply, done) => {
    req.startedAt = performance.now();
    if (closing) {
      void reply.header('connection', 'close');
      req.clientIp = clientAddress(req.socket.remoteAddress, undefined, trusted);
      refuse(
        req,
        reply,
        503,
        'shutting_down',
        'This listener is stopping; try again in a few seconds.',
      );
      return;
    }
    req.clientIp = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted);
    void reply.header('x-request-id', req.id);
    if (req.routeOptions.config.public || req.routeOptions.url === undefined) return done();
    try {
      const refused = req.routeOptions.config.handout
        ? authenticateLink(req, reply)
        : authenticate(req, reply);
      if (!refused) done();
    } catch (e) {
      done(e as Error);
    }
  });

  app.addHook('onResponse', (req, reply, done) => {
    if (req.routeOptions.config.public) return done();
    journal.record({
      at: now(),
      requestId: req.id,
      keyId: req.auth?.key.id ?? null,
      accountId: req.auth?.account.id ?? null,
      ip: req.clientIp,
      method: req.method,
      route: req.journalRoute ?? req.routeOptions.url ?? req.url.split('?')[0]!.slice(0, 200),
      status: req.journalStatus ?? reply.statusCode,
      errorCode: req.errorCode,
      rows: req.rowsReturned,
      durationMs: Math.round((performance.now() - req.startedAt) * 1000) / 1000,
    });
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    const explained = core.explainError(err);
    const mapped = mapError(explained, req.id);
    if (mapped.status >= 500)
      req.log.error({ err: explained, requestId: req.id }, 'partner API request failed');
    req.errorCode = mapped.body.error.code;
    return reply
      .status(mapped.status)
      .headers(mapped.headers)
      .type('application/json; charset=utf-8')
      .serializer(JSON.stringify)
      .send(mapped.body);
  });

  app.setNotFoundHandler((req, reply) => {
    req.errorCode = 'not_found';
    return reply
      .status(404)
      .type('application/json; charset=utf-8')
      .serializer(JSON.stringify)
      .send({
        error: {
          code: 'not_found',
          message: `There is no ${req.method} ${req.url.split('?')[0]}; see ${API_PREFIX}/docs.`,
          request_id: req.id,
          details: [],
        },
      });
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Partnergate partner API',
        version: '1.0.0',
        description:
          'Pull your own reports, statistics and rows from your network. Authenticate with the key your account manager gave you. ' +
          'Every error has the shape {"error":{"code","message","request_id","details"}}. Every authenticated response carries ' +
          "RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset; a 429 carries Retry-After. Money is in major units of the row's currency.",
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer KEY' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          apiKeyQuery: {
            type: 'apiKey',
            in: 'query',
            name: 'api_key',
            description: 'Only for keys that allow URL keys (alias: token).',
          },
        },
      },
      security: [{ bearer: [] }, { apiKeyHeader: [] }, { apiKeyQuery: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (doc) => addAlternateContentTypes(jsonSchemaTransformObject(doc)),
  });
  // swagger-ui registers its own routes; mark them public so the key check skips them.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(`${API_PREFIX}/docs`))
      route.config = { ...(route.config ?? {}), public: true };
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: `${API_PREFIX}/docs`,
    // BaseLayout: the reference without the viewer's own top bar (its logo and URL box).
    uiConfig: {
      docExpansion: 'list',
      deepLinking: true,
      tryItOutEnabled: true,
      layout: 'BaseLayout',
      validatorUrl: null,
    },
    uiHooks: {},
    // The viewer sets style attributes as it draws; it loads nothing from elsewhere. No
    // upgrade-insecure-requests: partners reach this listener over plain HTTP on a LAN.
    staticCSP:
      "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'",
    theme: {
      title: `${PRODUCT_NAME} partner API`,
      favicon: [
        {
          filename: 'icon.svg',
          rel: 'icon',
          sizes: 'any',
          type: 'image/svg+xml',
          content: Buffer.from(ICON_SVG),
        },
      ],
    },
    transformSpecificationClone: true,
  });

  registerRoutes(app, core, {
    now,
    maxRangeDays: o.maxRangeDays ?? DEFAULT_MAX_RANGE_DAYS,
    maxScanRows: o.maxScanRows ?? DEFAULT_MAX_SCAN_ROWS,
    writeWaitMs: o.writeWaitMs ?? 2_000,
    handoutEndpoints: o.handoutEndpoints ?? (() => ({ urls: [], tls: null })),
  });

  app.addHook('onClose', async () => {
    await journal.close();
    const t = now();
    const windows = [
      ...limiter.snapshot(t).map((w) => ({ ...w, bucket: `limit:${w.bucket}` })),
      ...failures.snapshot(t).map((w) => ({ ...w, bucket: `auth:${w.bucket}` })),
    ];
    try {
      await core.whenWritable(() => core.rateWindows.save(windows), { waitMs: 5_000 });
    } catch (e) {
      app.log.error({ err: e }, 'rate-limit windows could not be saved; they start afresh');
    }
  });
  await app.ready();
  return { app, journal };
}
