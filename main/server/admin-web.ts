/**
 * The admin UI in a browser: the built renderer and the admin contract over HTTP, on 127.0.0.1
 * only. A random token, printed once as part of a URL fragment (never sent in a request line or
 * logged), is exchanged by the page for an HttpOnly SameSite=Strict session cookie; every call
 * then needs that cookie, this listener's own Origin and Host (no DNS rebinding), and JSON.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  adminContract,
  type AdminError,
  type AdminHandlers,
  type AdminMethod,
} from '../../shared/admin-contract.ts';
import { isPartnergateError, PartnergateError } from '../../shared/errors.ts';

export const SESSION_COOKIE = 'pg_admin';

export const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Mantine sets style attributes at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface AdminWebOptions {
  port: number;
  /** The built renderer (index.html and assets). */
  rendererDir: string;
  handlers: AdminHandlers;
  logger?: boolean | object;
}

export interface RunningAdminWeb {
  app: FastifyInstance;
  port: number;
  origin: string;
  /** Open this once: it signs the browser in. */
  loginUrl: string;
  /** Issues another one-time sign-in URL (the old one stays used). */
  newLoginUrl(): string;
  close(): Promise<void>;
}

const STATUS: Record<PartnergateError['kind'], number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  environment: 503,
};

function adminError(e: unknown): { status: number; error: AdminError } {
  if (e instanceof z.ZodError) {
    const details = e.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    return {
      status: 400,
      error: {
        code: 'invalid_input',
        message: `Invalid input: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}.`,
        details,
      },
    };
  }
  if (isPartnergateError(e))
    return {
      status: STATUS[e.kind],
      error: { code: e.code, message: e.message, details: e.details },
    };
  return {
    status: 500,
    error: {
      code: 'internal_error',
      message: 'Something went wrong; the details are in the server log.',
      details: [],
    },
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startAdminWeb(o: AdminWebOptions): Promise<RunningAdminWeb> {
  if (!existsSync(join(o.rendererDir, 'index.html'))) {
    throw new PartnergateError(
      'environment',
      'admin_ui_not_built',
      `The admin UI is not built (no ${join(o.rendererDir, 'index.html')}); run \`npm run build\`, or serve with --no-admin-ui.`,
    );
  }
  const tokens = new Set<string>();
  const sessions = new Set<string>();
  const app = Fastify({ logger: o.logger ?? false, bodyLimit: 210 * 1024 * 1024 });
  let origins: string[] = [];
  let allowedHosts: string[] = [];

  const newToken = () => {
    const t = randomBytes(24).toString('base64url');
    tokens.add(t);
    return t;
  };

  const sessionOf = (req: FastifyRequest): string | null => {
    const cookie = req.headers.cookie ?? '';
    const m = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([A-Za-z0-9_-]+)`).exec(cookie);
    return m && sessions.has(m[1]!) ? m[1]! : null;
  };

  const refuse = (reply: FastifyReply, status: number, code: string, message: string) =>
    reply.status(status).send({ error: { code, message, details: [] } satisfies AdminError });

  // Every request: our own Host only (a rebound DNS name pointing here is refused).
  app.addHook('onRequest', async (req, reply) => {
    if (!allowedHosts.includes(req.headers.host ?? ''))
      return refuse(reply, 421, 'wrong_host', 'This admin listener only answers on 127.0.0.1.');
    void reply.headers({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'content-security-policy': ADMIN_CSP,
    });
  });

  /** Writes need our Origin (browsers send it on every POST) and JSON. */
  const checkCall = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (!origins.includes(req.headers.origin ?? '')) {
      void refuse(
        reply,
        403,
        'wrong_origin',
        'Admin calls are only accepted from the admin page itself.',
      );
      return false;
    }
    return true;
  };

  app.post('/admin/session', async (req, reply) => {
    if (!checkCall(req, reply)) return reply;
    const token = (req.body as { token?: unknown } | null)?.token;
    const match =
      typeof token === 'string' ? [...tokens].find((t) => sameSecret(t, token)) : undefined;
    if (!match)
      return refuse(
        reply,
        401,
        'invalid_token',
        'This sign-in link was already used or is not valid. Restart `partnergate serve` for a new link.',
      );
    tokens.delete(match);
    const sid = randomBytes(32).toString('base64url');
    sessions.add(sid);
    void reply.header('set-cookie', `${SESSION_COOKIE}=${sid}; HttpOnly; SameSite=Strict; Path=/`);
    return { ok: true };
  });

  app.get('/admin/session', (req) => Promise.resolve({ signedIn: sessionOf(req) !== null }));

  app.post('/admin/api/:method', async (req, reply) => {
    if (!checkCall(req, reply)) return reply;
    if (!sessionOf(req))
      return refuse(
        reply,
        401,
        'not_signed_in',
        'Sign in with the link `partnergate serve` printed.',
      );
    const name = (req.params as { method: string }).method;
    if (!Object.hasOwn(adminContract, name))
      return refuse(reply, 404, 'unknown_method', `There is no admin call ${name}.`);
    const m = name as AdminMethod;
    try {
      const input = adminContract[m].input.parse(req.body ?? {});
      const handler = o.handlers[m] as (i: unknown) => unknown;
      return { result: await handler(input) };
    } catch (e) {
      const { status, error } = adminError(e);
      if (status >= 500) req.log.error({ err: e, method: m }, 'admin call failed');
      return reply.status(status).send({ error });
    }
  });

  await app.register(fastifyStatic, {
    root: o.rendererDir,
    prefix: '/',
    index: ['index.html'],
    wildcard: false,
  });
  // The UI routes in the browser: unknown paths get the page.
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !req.url.startsWith('/admin/')) return reply.sendFile('index.html');
    return refuse(reply, 404, 'not_found', `There is no ${req.method} ${req.url}.`);
  });

  await app.listen({ host: '127.0.0.1', port: o.port }).catch((e: NodeJS.ErrnoException) => {
    void app.close();
    if (e.code === 'EADDRINUSE') {
      throw new PartnergateError(
        'environment',
        'port_in_use',
        `Port ${o.port} on 127.0.0.1 (the admin UI) is already in use; choose another with --admin-port, or --no-admin-ui.`,
      );
    }
    throw e;
  });
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : o.port;
  const origin = `http://127.0.0.1:${port}`;
  origins = [origin, `http://localhost:${port}`];
  allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const newLoginUrl = () => `${origin}/#token=${newToken()}`;
  return { app, port, origin, loginUrl: newLoginUrl(), newLoginUrl, close: () => app.close() };
}
