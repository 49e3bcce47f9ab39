/**
 * The partner API: every request goes auth → IP whitelist → rate limit → scope → route, and
 * the account always comes from the key (OWASP API1). Built as a Fastify instance over the
 * core, so the CLI's `serve`, the desktop app and the tests start exactly the same thing.
 * The gate (gate.ts) decides each request once; the fast door (fast-door.ts) answers the
 * busiest requests and every refusal before Fastify, with the same operations and bytes.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import http, { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Core } from '../core.ts';
import { DEFAULT_MAX_SCAN_ROWS } from '../services/scan-budget.ts';
import type { RequestJournal } from '../services/request-journal.ts';
import { clientAddress, parseTrustedProxies } from './client-address.ts';
import { errorText, mapError } from './errors.ts';
import {
  createFastDoor,
  JSON_TYPE,
  verdictOf,
  type FailedAnswer,
  type FastDoor,
} from './fast-door.ts';
import { leanHttp, type LeanHttp } from './lean-http.ts';
import { createGate, presentedKey } from './gate.ts';
import { API_PREFIX, asWritten, refuse } from './request-auth.ts';
import { registerRoutes, type RouteOptions } from './routes/index.ts';
import { compiledSerializer } from './serializer.ts';

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

export async function buildPartnerApi(
  core: Core,
  o: PartnerApiOptions = {},
): Promise<{
  app: FastifyInstance;
  journal: RequestJournal;
  door: FastDoor;
  /** The lean reader in front of a plain-HTTP listener (null over HTTPS). */
  lean: LeanHttp | null;
}> {
  const now = o.now ?? Date.now;
  const trusted = parseTrustedProxies(o.trustedProxies ?? []);
  const gate = createGate(core, {
    failuresPerMinute: o.authFailuresPerMinute ?? 20,
    failuresPerMinuteOverall: o.authFailuresPerMinuteOverall ?? (o.authFailuresPerMinute ?? 20) * 5,
    saved: core.rateWindows.saved(now()),
    now: now(),
  });
  let closing = false;
  let log: FastifyBaseLogger | null = null;
  // The journal exists before the app (the fast door writes to it); it reports through the app's log.
  const journal = core.usage.openJournal({
    ...(o.journalIntervalMs !== undefined && { intervalMs: o.journalIntervalMs }),
    onError: (e) => log?.error({ err: e }, 'request journal write failed; will retry'),
  });
  /** A thrown failure as both doors answer it; the server's own faults are logged. */
  const failed = (err: unknown, id: string): FailedAnswer => {
    const explained = core.explainError(err);
    const mapped = mapError(explained, id);
    if (mapped.status >= 500)
      log?.error({ err: explained, requestId: id }, 'partner API request failed');
    return {
      status: mapped.status,
      code: mapped.body.error.code,
      body: JSON.stringify(mapped.body),
      headers: mapped.headers,
    };
  };
  let lean: LeanHttp | null = null;
  const door = createFastDoor({
    gate,
    journal,
    now,
    trusted,
    requestId,
    closing: () => closing,
    failed,
  });
  const app = Fastify({
    logger: o.logger ?? false,
    genReqId: requestId,
    requestIdHeader: false,
    bodyLimit: 64 * 1024,
    // Partners call from spreadsheets and scripts: be lenient with trailing slashes, and with
    // an HTTP/1.1 request without Host (the listener answers on every name alike).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // The server Fastify would make, with the fast door in front of Fastify's own handler.
    serverFactory: (handler, opts) => {
      const listener = (req: IncomingMessage, res: ServerResponse) => {
        if (!door.handle(req, res)) handler(req, res);
      };
      const server = o.https
        ? https.createServer(
            { key: o.https.key, cert: o.https.cert, requireHostHeader: false },
            listener,
          )
        : http.createServer({ requireHostHeader: false }, listener);
      // What Fastify sets on a server it makes itself (its defaults: 72 s keep-alive, no caps).
      const timeouts = opts as {
        keepAliveTimeout: number;
        requestTimeout: number;
        connectionTimeout: number;
      };
      server.keepAliveTimeout = timeouts.keepAliveTimeout;
      server.requestTimeout = timeouts.requestTimeout;
      server.setTimeout(timeouts.connectionTimeout);
      // Plain HTTP: the lean reader takes each connection first (over TLS, Node's server does).
      if (!o.https) lean = leanHttp(server, door, { keepAliveTimeoutMs: server.keepAliveTimeout });
      return server;
    },
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
  log = app.log;
  app.addHook('preClose', (done) => {
    closing = true;
    lean?.close();
    done();
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
      const t = now();
      const verdict =
        verdictOf(req.raw) ??
        (req.routeOptions.config.handout
          ? gate.link(req.clientIp, (req.params as { token?: string }).token ?? '', t)
          : gate.key(
              req.clientIp,
              presentedKey(req.headers, req.query as Record<string, unknown> | undefined),
              t,
            ));
      req.auth = verdict.auth;
      void reply.headers(verdict.headers);
      if (verdict.ok) return done();
      refuse(req, reply, verdict.status, verdict.code, verdict.message, verdict.details);
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
    const f = failed(err, req.id);
    req.errorCode = f.code;
    return reply
      .status(f.status)
      .headers(f.headers)
      .type(JSON_TYPE)
      .serializer(asWritten)
      .send(f.body);
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
  // swagger-ui registers its own routes; mark them public so the key check skips them. Every
  // route is known to the fast door, which answers or passes on the requests for it.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(`${API_PREFIX}/docs`))
      route.config = { ...(route.config ?? {}), public: true };
    const config = route.config;
    door.route(
      route.method,
      route.url,
      config?.public ? 'public' : config?.handout ? 'handout' : 'key',
    );
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

  registerRoutes(app, core, door, {
    now,
    maxRangeDays: o.maxRangeDays ?? DEFAULT_MAX_RANGE_DAYS,
    maxScanRows: o.maxScanRows ?? DEFAULT_MAX_SCAN_ROWS,
    writeWaitMs: o.writeWaitMs ?? 2_000,
    handoutEndpoints: o.handoutEndpoints ?? (() => ({ urls: [], tls: null })),
  });

  app.addHook('onClose', async () => {
    await journal.close();
    const windows = gate.snapshot(now());
    try {
      await core.whenWritable(() => core.rateWindows.save(windows), { waitMs: 5_000 });
    } catch (e) {
      app.log.error({ err: e }, 'rate-limit windows could not be saved; they start afresh');
    }
  });
  await app.ready();
  return { app, journal, door, lean };
}
