/**
 * The admin UI in a browser: the built renderer and the admin contract over HTTP, on 127.0.0.1
 * (or beyond it, only over HTTPS and only to people who sign in). Until anyone administers the
 * store, a random token, printed once as part of a URL fragment (never sent in a request line or logged), is exchanged by the page for an HttpOnly
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
import { ADMIN_SESSION_COOKIE, type AdminUser } from '../../shared/users.ts';
import { ADMIN_CSP } from '../../shared/content-security-policy.ts';
import { isLoopbackHost } from '../api/listener.ts';
import type { WhenWritable } from '../services/write-wait.ts';

/** How long a sign-in waits for a store another process is writing (an import, the CLI). */
const SIGN_IN_WRITE_WAIT_MS = 15_000;

export const SESSION_COOKIE = ADMIN_SESSION_COOKIE;

/** The largest admin call (a report definition, an import preview's first lines). */
const MAX_CALL_BYTES = 1024 * 1024;

export interface AdminWebOptions {
  port: number;
  /**
   * Where to listen: 127.0.0.1 by default. Any other address needs `tls` and `users`: beyond
   * this machine the admin UI is only served over HTTPS, to people who sign in.
   */
  host?: string;
  tls?: { key: string; cert: string } | null;
  /** The names and addresses people reach it by (its certificate's), for the Host check. */
  names?: readonly string[];
  /** The built renderer (index.html and assets). */
  rendererDir: string;
  dispatch: AdminDispatch;
  /** Where an uploaded import file goes: streamed to disk, never held in memory. */
  imports: { receive(body: Readable, name: string, maxBytes?: number): Promise<UploadedFile> };
  maxUploadBytes?: number;
  logger?: boolean | object;
  /**
   * Runs a sign-in's, set-up's or sign-out's write once the store is free, never letting SQLite
   * wait on this process's thread (`core.whenWritable`); without it they run at once.
   */
  whenWritable?: WhenWritable;
  /** The people who sign in; without them (or before any exists) the one-time link signs in. */
  users?: Pick<
    UserService,
    'hasUsers' | 'signIn' | 'session' | 'signOut' | 'completeSetup' | 'endSessions' | 'tokenUser'
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
  const host = o.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  if (!loopback && (!o.tls || !o.users))
    throw new PartnergateError(
      'environment',
      'admin_needs_https',
      `The admin UI answers beyond this machine (${host}) only over HTTPS with people signing in; keep it on 127.0.0.1, or serve it with a certificate (the default unless plain HTTP was chosen).`,
    );
  const tokens = new Set<string>();
  const sessions = new Set<string>();
  const app = Fastify({
    logger: o.logger ?? false,
    bodyLimit: MAX_CALL_BYTES,
    ...(o.tls && { https: { key: o.tls.key, cert: o.tls.cert } }),
  }) as unknown as FastifyInstance;
  /** Requests made with a person's access token (scripts, `partnergate --server`). */
  const tokenUsers = new WeakMap<FastifyRequest, AdminUser>();
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
      `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/${o.tls ? '; Secure' : ''}`,
    );
  /** A request from this machine (IPv4 loopback may arrive IPv6-mapped). */
  const fromThisMachine = (req: FastifyRequest) => isLoopbackHost(req.ip.replace(/^::ffff:/, ''));
  const bearerOf = (req: FastifyRequest): string | null => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return m ? m[1]! : null;
  };

  const writing = <T>(fn: () => T | Promise<T>): Promise<T> =>
    o.whenWritable
      ? o.whenWritable(fn, { waitMs: SIGN_IN_WRITE_WAIT_MS })
      : Promise.resolve().then(fn);

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
    if (!allowedHosts.includes((req.headers.host ?? '').toLowerCase())) {
      close();
      return refuse(
        reply,
        421,
        'wrong_host',
        `This admin listener only answers as ${allowedHosts.join(', ')}.`,
      );
    }
    // A script with a person's access token: no cookie, no browser, so no Origin to check.
    const bearer = bearerOf(req);
    if (bearer !== null && req.url.startsWith('/admin/') && req.url !== '/admin/session') {
      const person = o.users?.tokenUser(bearer, req.ip);
      if (!person) {
        close();
        return refuse(
          reply,
          401,
          'token_invalid',
          'This access token is not valid (revoked, expired, or its person disabled); create a new one in the admin UI under your name.',
        );
      }
      tokenUsers.set(req, person);
      return;
    }
    // Beyond this machine, only people: until the owner exists, only their set-up link works.
    if (
      !loopback &&
      !fromThisMachine(req) &&
      req.url.startsWith('/admin/') &&
      !o.users!.hasUsers() &&
      req.url !== '/admin/session'
    ) {
      close();
      return refuse(
        reply,
        403,
        'owner_needed',
        `Beyond this machine the admin UI is for people who sign in: create the owner first with the set-up link \`${CLI} serve\` printed.`,
      );
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
        const users = o.users;
        if (str('setup') !== undefined) {
          const u = await writing(() =>
            users.completeSetup({
              token: str('setup')!,
              password: str('password') ?? '',
              ...(email !== undefined && { email }),
              ...(str('name') !== undefined && { name: str('name')! }),
            }),
          );
          email = u.email;
        }
        const s = await writing(() =>
          users.signIn(
            {
              email: email ?? '',
              password: str('password') ?? '',
              ...(str('code') !== undefined && { code: str('code')! }),
            },
            req.ip,
          ),
        );
        setCookie(reply, s.token);
        return { ok: true, user: s.user };
      } catch (e) {
        const { status, error } = adminError(e);
        return reply.status(status === 403 ? 401 : status).send({ error });
      }
    }
    const token = str('token');
    if (!loopback && !fromThisMachine(req))
      return refuse(
        reply,
        403,
        'owner_needed',
        'The one-time sign-in link works on this machine only; beyond it, people sign in (create the owner with the set-up link).',
      );
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
  app.post('/admin/session/end', async (req, reply) => {
    const s = sessionOf(req)!;
    const everywhere = (req.body as { everywhere?: unknown } | null)?.everywhere === true;
    const user = s.user;
    if (user && everywhere) await writing(() => o.users!.endSessions(user.id));
    else if (user) await writing(() => o.users!.signOut(s.token));
    else sessions.delete(s.token);
    setCookie(reply, 'x; Max-Age=0');
    return { ok: true };
  });

  app.post('/admin/api/:method', async (req, reply) => {
    const user = tokenUsers.get(req) ?? sessionOf(req)?.user;
    // A person's calls are checked against their role and written to the audit log as theirs.
    const caller: AdminCaller = user
      ? {
          actor: `${user.email} (${req.ip})`,
          address: req.ip,
          user: {
            id: user.id,
            role: user.role,
            partners: user.allPartners ? 'all' : user.partnerIds,
          },
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

  await app.listen({ host, port: o.port }).catch((e: NodeJS.ErrnoException) => {
    void app.close();
    if (e.code === 'EADDRINUSE') {
      throw new PartnergateError(
        'environment',
        'port_in_use',
        `Port ${o.port} on ${host} (the admin UI) is already in use; choose another with --admin-port, or --no-admin-ui.`,
      );
    }
    throw e;
  });
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : o.port;
  const scheme = o.tls ? 'https' : 'http';
  const hostPort = (n: string) => `${n.includes(':') ? `[${n}]` : n}:${port}`;
  const names = loopback
    ? ['127.0.0.1', 'localhost', ...(host === '::1' ? ['::1'] : [])]
    : [...new Set(['127.0.0.1', 'localhost', ...(o.names ?? []), host])].filter(
        (n) => n !== '0.0.0.0' && n !== '::',
      );
  allowedHosts = names.map((n) => hostPort(n).toLowerCase());
  origins = allowedHosts.map((h) => `${scheme}://${h}`);
  const origin = `${scheme}://${hostPort(loopback || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)}`;
  const newLoginUrl = () => `${origin}/#token=${newToken()}`;
  return { app, port, origin, loginUrl: newLoginUrl(), newLoginUrl, close: () => app.close() };
}
