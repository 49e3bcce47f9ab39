/**
 * The admin UI in a browser: the built renderer and the admin contract over HTTP, on 127.0.0.1
 * only. Until anyone administers the store, a random token, printed once as part of a URL
 * fragment (never sent in a request line or logged), is exchanged by the page for an HttpOnly
 * SameSite=Strict session cookie; once people exist, they sign in with email and password (or a
 * one-time set-up link) and their session goes in the same cookie, and every call is checked
 * against their role. Every call needs the cookie, this listener's own Origin and Host (no DNS
 * rebinding), and JSON.
 */
import { CLI } from '../../shared/cli-name.ts';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { AdminError, UploadedFile } from '../../shared/admin-contract.ts';
import { PartnergateError } from '../../shared/errors.ts';
import { adminError, type AdminCaller, type AdminDispatch } from '../admin/dispatch.ts';
import type { UserService } from '../services/users.ts';
import type { AdminUser } from '../../shared/users.ts';
import { ADMIN_CSP } from '../../shared/content-security-policy.ts';

export const SESSION_COOKIE = 'pg_admin';

/** The largest admin call (a report definition, an import preview's first lines). */
const MAX_CALL_BYTES = 1024 * 1024;

export interface AdminWebOptions {
  port: number;
  /** The built renderer (index.html and assets). */
  rendererDir: string;
  dispatch: AdminDispatch;
  /** Where an uploaded import file goes: streamed to disk, never held in memory. */
  imports: { receive(body: Readable, name: string, maxBytes?: number): Promise<UploadedFile> };
  maxUploadBytes?: number;
  logger?: boolean | object;
  /** The people who sign in; without them (or before any exists) the one-time link signs in. */
  users?: Pick<
    UserService,
    'hasUsers' | 'signIn' | 'session' | 'signOut' | 'completeSetup' | 'endSessions'
  >;
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
  const app = Fastify({ logger: o.logger ?? false, bodyLimit: MAX_CALL_BYTES });
  let origins: string[] = [];
  let allowedHosts: string[] = [];

  const newToken = () => {
    const t = randomBytes(24).toString('base64url');
    tokens.add(t);
    return t;
  };

  const cookieOf = (req: FastifyRequest): string | null => {
    const cookie = req.headers.cookie ?? '';
    const m = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([A-Za-z0-9_-]+)`).exec(cookie);
    return m ? m[1]! : null;
  };
  /** The signed-in browser: a person's session, or (before anyone administers) the link's. */
  const sessionOf = (req: FastifyRequest): { token: string; user: AdminUser | null } | null => {
    const token = cookieOf(req);
    if (!token) return null;
    const person = o.users?.session(token);
    if (person) return { token, user: person.user };
    return sessions.has(token) && !o.users?.hasUsers() ? { token, user: null } : null;
  };
  const setCookie = (reply: FastifyReply, value: string) =>
    void reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/`,
    );

  const refuse = (reply: FastifyReply, status: number, code: string, message: string) =>
    reply.status(status).send({ error: { code, message, details: [] } satisfies AdminError });

  /**
   * Every request: our own Host (a rebound DNS name pointing here is refused); every call: our
   * Origin (browsers send it on every POST) and, but for signing in, a session. Decided here,
   * before any body is read; a refused request's connection is closed, so an unread body is
   * not drained either.
   */
  app.addHook('onRequest', async (req, reply) => {
    void reply.headers({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'content-security-policy': ADMIN_CSP,
    });
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const close = () => {
      if (hasBody) void reply.header('connection', 'close');
    };
    if (!allowedHosts.includes(req.headers.host ?? '')) {
      close();
      return refuse(reply, 421, 'wrong_host', 'This admin listener only answers on 127.0.0.1.');
    }
    if (!hasBody) return;
    if (!origins.includes(req.headers.origin ?? '')) {
      close();
      return refuse(
        reply,
        403,
        'wrong_origin',
        'Admin calls are only accepted from the admin page itself.',
      );
    }
    if (req.url !== '/admin/session' && !sessionOf(req)) {
      close();
      return refuse(
        reply,
        401,
        'not_signed_in',
        o.users?.hasUsers()
          ? 'Sign in with your email and password.'
          : `Sign in with the link \`${CLI} serve\` printed.`,
      );
    }
  });

  app.setErrorHandler((err, req, reply) => {
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return refuse(
        reply,
        413,
        'body_too_large',
        `Admin calls are limited to ${MAX_CALL_BYTES / 1024} KiB.`,
      );
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
      return refuse(reply, e.statusCode, 'bad_request', e.message ?? 'Bad request.');
    req.log.error({ err }, 'admin request failed');
    const { status, error } = adminError(err);
    return reply.status(status).send({ error });
  });

  app.post('/admin/session', { bodyLimit: 4096 }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof body[k] === 'string' ? body[k] : undefined);
    // A person: their email and password, or their one-time set-up link and new password.
    if (o.users && (str('email') !== undefined || str('setup') !== undefined)) {
      try {
        let email = str('email');
        if (str('setup') !== undefined) {
          const u = await o.users.completeSetup({
            token: str('setup')!,
            password: str('password') ?? '',
            ...(email !== undefined && { email }),
            ...(str('name') !== undefined && { name: str('name')! }),
          });
          email = u.email;
        }
        const s = await o.users.signIn(
          { email: email ?? '', password: str('password') ?? '' },
          req.ip,
        );
        setCookie(reply, s.token);
        return { ok: true, user: s.user };
      } catch (e) {
        const { status, error } = adminError(e);
        return reply.status(status === 403 ? 401 : status).send({ error });
      }
    }
    const token = str('token');
    if (o.users?.hasUsers())
      return refuse(
        reply,
        401,
        'users_enabled',
        'People sign in to this Partnergate with their email and password; a sign-in link no longer does.',
      );
    const match = token !== undefined ? [...tokens].find((t) => sameSecret(t, token)) : undefined;
    if (!match)
      return refuse(
        reply,
        401,
        'invalid_token',
        `This sign-in link was already used or is not valid. Restart \`${CLI} serve\` for a new link.`,
      );
    tokens.delete(match);
    const sid = randomBytes(32).toString('base64url');
    sessions.add(sid);
    setCookie(reply, sid);
    return { ok: true, user: null };
  });

  app.get('/admin/session', (req) => {
    const s = sessionOf(req);
    return Promise.resolve({
      signedIn: s !== null,
      users: o.users?.hasUsers() ?? false,
      user: s?.user ?? null,
    });
  });

  /** Signs this browser out; `everywhere: true` ends every session of the person. */
  app.post('/admin/session/end', (req, reply) => {
    const s = sessionOf(req)!;
    const everywhere = (req.body as { everywhere?: unknown } | null)?.everywhere === true;
    if (s.user && everywhere) o.users!.endSessions(s.user.id);
    else if (s.user) o.users!.signOut(s.token);
    else sessions.delete(s.token);
    setCookie(reply, 'x; Max-Age=0');
    return Promise.resolve({ ok: true });
  });

  app.post('/admin/api/:method', async (req, reply) => {
    const user = sessionOf(req)?.user;
    // A person's calls are checked against their role and written to the audit log as theirs.
    const caller: AdminCaller = user
      ? {
          actor: `${user.email} (${req.ip})`,
          address: req.ip,
          user: { id: user.id, role: user.role },
        }
      : { address: req.ip };
    const a = await o.dispatch((req.params as { method: string }).method, req.body ?? {}, caller);
    if (a.ok) return { result: a.result };
    return reply.status(a.status).send({ error: a.error });
  });

  // Import files: the body goes straight to disk, as it arrives, up to the upload cap.
  await app.register((uploads, _opts, registered) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    uploads.post('/admin/uploads', async (req, reply) => {
      const name = (req.query as { name?: unknown }).name;
      try {
        return {
          result: await o.imports.receive(
            req.body as Readable,
            typeof name === 'string' ? name.slice(0, 300) : 'upload.csv',
            o.maxUploadBytes,
          ),
        };
      } catch (e) {
        const { status, error } = adminError(e);
        if (error.code === 'file_too_large') void reply.header('connection', 'close');
        return reply.status(error.code === 'file_too_large' ? 413 : status).send({ error });
      }
    });
    registered();
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
