/**
 * The desktop app as a client of a team server: the third transport of the admin contract,
 * beside IPC to this computer's store and the loopback listener a browser uses. The window
 * keeps calling `window.api`; while a team server is chosen, main forwards each call over
 * HTTPS with the person's session, and the local store is left as it was.
 *
 * Trust: on first contact the server's certificate is shown (its key pin, fingerprint, names)
 * for the person to confirm; from then on every connection is checked against the confirmed
 * key pin before a byte of a request is written, so a changed certificate is refused (with the
 * key it now presents) and no password, session or data reaches it. Partnergate renews its
 * certificates with the same key, so renewals do not trip the pin.
 *
 * Which servers were confirmed, and the one in use, live in `team-servers.json` in the data
 * folder; a sign-in's session is kept there only sealed by the system keychain (else it lasts
 * until the app quits).
 */
import {
  createReadStream,
  existsSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { Agent, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import { basename, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { z } from 'zod';
import type { UploadedFile } from '../../shared/admin-contract.ts';
import { PartnergateError } from '../../shared/errors.ts';
import { ADMIN_SESSION_COOKIE, type AdminUser } from '../../shared/users.ts';
import type {
  ConnectionProblem,
  ConnectionState,
  KnownServer,
  ProbeResult,
  ServerIdentity,
} from '../../shared/team-server.ts';
import { isAdminMethod, unknownMethod, type AdminAnswer } from '../admin/dispatch.ts';
import { adminFailure, adminHttp, type AdminHttpAnswer } from '../admin/http-client.ts';
import type { SecretBox } from '../services/secret-box.ts';
import { certificateFingerprint, publicKeyPin, sansOf } from '../services/tls.ts';

export const TEAM_SERVERS_FILE = 'team-servers.json';

const stored = z.object({
  origin: z.string(),
  pin: z.string(),
  fingerprint: z.string(),
  email: z.string().nullable(),
  confirmedAt: z.number(),
  lastUsedAt: z.number().nullable(),
  /** The session, sealed by the secret box (base64); null when it cannot be kept. */
  session: z.string().nullable(),
});
type Stored = z.infer<typeof stored>;
const fileSchema = z.object({
  version: z.literal(1),
  current: z.string().nullable(),
  servers: z.array(stored),
});
type TeamFile = z.infer<typeof fileSchema>;

/**
 * The origin a typed address stands for: `https://` is assumed when no scheme is given; plain
 * HTTP is refused, since a person's password and session would cross the network in clear.
 */
export function serverOrigin(address: string): string {
  const text = address.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new PartnergateError(
      'invalid',
      'invalid_server',
      `"${text}" is not a server address; give the team server's admin address, e.g. https://partnergate.lan:8788.`,
    );
  }
  if (url.protocol !== 'https:')
    throw new PartnergateError(
      'invalid',
      'server_needs_https',
      `A team server is reached over HTTPS only (your password and session would cross the network in clear over ${url.protocol.replace(':', '')}); use https://${url.host}.`,
    );
  return url.origin;
}

const commonName = (dn: string) => /(?:^|\n)CN=([^\n]*)/.exec(dn)?.[1] ?? dn.replace(/\n/g, ', ');

/** What the certificate a TLS connection presents says, for a person to confirm. */
export function identityOf(socket: TLSSocket, origin: string): ServerIdentity {
  const x = socket.getPeerX509Certificate();
  if (!x)
    throw new PartnergateError(
      'environment',
      'no_certificate',
      `${origin} presented no certificate.`,
    );
  const pem = x.toString();
  return {
    origin,
    pin: publicKeyPin(pem),
    fingerprint: certificateFingerprint(pem),
    subject: commonName(x.subject),
    issuer: commonName(x.issuer),
    names: [...sansOf(x)],
    validTo: Date.parse(x.validTo),
    trustedBySystem: socket.authorized,
  };
}

function hostAndPort(origin: string): { host: string; port: number; servername?: string } {
  const u = new URL(origin);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { host, port: Number(u.port || 443), ...(isIP(host) === 0 && { servername: host }) };
}

function unreachable(origin: string, e: unknown): PartnergateError {
  if (e instanceof PartnergateError) return e;
  const x = e as NodeJS.ErrnoException;
  const why =
    x.code === 'ECONNREFUSED'
      ? 'nothing answers at that address and port (is `partnergate serve --admin-host` running there?)'
      : x.code === 'ENOTFOUND' || x.code === 'EAI_AGAIN'
        ? 'that name does not resolve on this network'
        : /wrong version number|packet length too long|unknown protocol/i.test(x.message)
          ? 'it does not speak HTTPS on that port'
          : x.message;
  return new PartnergateError(
    'environment',
    'server_unreachable',
    `${origin} cannot be reached: ${why}.`,
  );
}

/** Opens a TLS connection (trusting nothing yet) and reads the certificate. */
export function probeIdentity(origin: string, timeoutMs = 10_000): Promise<ServerIdentity> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ ...hostAndPort(origin), rejectUnauthorized: false });
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), {})),
    );
    socket.once('secureConnect', () => {
      try {
        resolve(identityOf(socket, origin));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
      socket.end();
    });
    socket.once('error', (e) => reject(unreachable(origin, e)));
  });
}

export function certificateChanged(
  origin: string,
  confirmed: { pin: string; confirmedAt: number },
  presented: ServerIdentity,
): PartnergateError {
  return new PartnergateError(
    'forbidden',
    'server_certificate_changed',
    `${origin} presents a different certificate key from the one you confirmed on ${new Date(confirmed.confirmedAt).toISOString().slice(0, 10)} (confirmed ${confirmed.pin}, now ${presented.pin}). Someone on the network may be intercepting the connection, or the server's operator replaced its certificate; nothing was sent to it. Ask the operator for the server's key pin: if they replaced it, forget this server and connect again to confirm the new one.`,
  );
}

/**
 * An HTTPS agent that checks every new connection's key against the confirmed pin before the
 * request is written (the socket reaches the request only once the check passed).
 */
class PinnedAgent extends Agent {
  private readonly server: { origin: string; pin: string; confirmedAt: number };
  private readonly onChanged: (presented: ServerIdentity) => void;
  constructor(
    server: { origin: string; pin: string; confirmedAt: number },
    onChanged: (presented: ServerIdentity) => void,
  ) {
    super({ keepAlive: true, maxSockets: 6 });
    this.server = server;
    this.onChanged = onChanged;
  }

  override createConnection(
    _options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    let settled = false;
    const done = (err: Error | null, socket: TLSSocket) => {
      if (settled) return;
      settled = true;
      callback?.(err, socket);
    };
    const socket = tlsConnect({ ...hostAndPort(this.server.origin), rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      let presented: ServerIdentity;
      try {
        presented = identityOf(socket, this.server.origin);
      } catch (e) {
        socket.destroy();
        return done(e as Error, socket);
      }
      if (presented.pin === this.server.pin) return done(null, socket);
      socket.destroy();
      this.onChanged(presented);
      done(certificateChanged(this.server.origin, this.server, presented), socket);
    });
    socket.once('error', (e) => done(unreachable(this.server.origin, e), socket));
    return undefined;
  }
}

interface Live {
  user: AdminUser | null;
  problem: ConnectionProblem | null;
}

export interface TeamServerOptions {
  dataDir: string;
  /** Seals sessions kept across restarts (safeStorage on the desktop). */
  secretBox?: SecretBox | undefined;
  now?: () => number;
  timeoutMs?: number;
  /** Told when a file could not be read and was set aside. */
  warn?: (message: string) => void;
}

export class TeamServerConnection {
  private file: TeamFile = { version: 1, current: null, servers: [] };
  /** Session cookies by origin (the sealed copies on disk are only for the next start). */
  private readonly sessions = new Map<string, string>();
  private readonly live = new Map<string, Live>();
  private readonly agents = new Map<string, PinnedAgent>();
  private readonly listeners = new Set<(s: ConnectionState) => void>();
  private keeps = false;
  private readonly now: () => number;
  private readonly path: string;

  private readonly o: TeamServerOptions;

  private constructor(o: TeamServerOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.path = join(o.dataDir, TEAM_SERVERS_FILE);
  }

  /** Reads the confirmed servers and unseals kept sessions. */
  static async open(o: TeamServerOptions): Promise<TeamServerConnection> {
    const c = new TeamServerConnection(o);
    await c.load();
    return c;
  }

  private async load(): Promise<void> {
    this.keeps = (await this.o.secretBox?.describe())?.retains ?? false;
    if (!existsSync(this.path)) return;
    const parsed = (() => {
      try {
        return fileSchema.safeParse(JSON.parse(readFileSync(this.path, 'utf8')));
      } catch {
        return { success: false as const };
      }
    })();
    if (!parsed.success) {
      // Kept beside, never overwritten: it may be a newer Partnergate's.
      const aside = `${this.path}.unreadable-${this.now()}`;
      renameSync(this.path, aside);
      this.o.warn?.(
        `${this.path} could not be read; it was kept as ${aside} and this computer's store is in use.`,
      );
      return;
    }
    this.file = parsed.data;
    for (const s of this.file.servers) {
      if (!s.session || !this.o.secretBox) continue;
      try {
        this.sessions.set(s.origin, await this.o.secretBox.open(Buffer.from(s.session, 'base64')));
      } catch {
        s.session = null; // the keychain changed: signing in again replaces it
      }
    }
  }

  private async save(): Promise<void> {
    const out: TeamFile = {
      ...this.file,
      servers: await Promise.all(
        this.file.servers.map(async (s) => {
          const token = this.sessions.get(s.origin);
          if (!token || !this.keeps || !this.o.secretBox) return { ...s, session: null };
          return { ...s, session: (await this.o.secretBox.seal(token)).toString('base64') };
        }),
      ),
    };
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(out, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  onChange(listener: (s: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): ConnectionState {
    const s = this.state();
    for (const l of this.listeners) l(s);
    return s;
  }

  private find(origin: string): Stored | undefined {
    return this.file.servers.find((s) => s.origin === origin);
  }

  private known(origin: string): Stored {
    const s = this.find(origin);
    if (!s)
      throw new PartnergateError(
        'not_found',
        'server_not_known',
        `${origin} has not been confirmed on this computer; connect to it first.`,
      );
    return s;
  }

  /** The team server in use, or null for this computer's store. */
  current(): Stored | null {
    return this.file.current ? (this.find(this.file.current) ?? null) : null;
  }

  state(): ConnectionState {
    const pub = ({ session: _s, ...k }: Stored): KnownServer => k;
    const cur = this.current();
    const live = cur ? this.live.get(cur.origin) : undefined;
    return {
      mode: cur ? 'server' : 'local',
      server: cur
        ? {
            ...pub(cur),
            signedIn: this.sessions.has(cur.origin),
            user: live?.user ?? null,
            problem: live?.problem ?? null,
          }
        : null,
      known: this.file.servers.map(pub),
      keepsSignIn: this.keeps,
    };
  }

  private agent(s: Stored): PinnedAgent {
    let a = this.agents.get(s.origin);
    if (!a) {
      a = new PinnedAgent(s, (presented) => {
        this.live.set(s.origin, {
          user: null,
          problem: {
            code: 'server_certificate_changed',
            message: certificateChanged(s.origin, s, presented).message,
            presented,
          },
        });
        this.changed();
      });
      this.agents.set(s.origin, a);
    }
    return a;
  }

  private dropAgent(origin: string): void {
    this.agents.get(origin)?.destroy();
    this.agents.delete(origin);
  }

  /** A request to a confirmed server, over a pinned connection, as its signed-in person. */
  private request(
    s: Stored,
    path: string,
    o: Omit<Parameters<typeof adminHttp>[1] & object, 'agent'> = {},
  ): Promise<AdminHttpAnswer> {
    const token = this.sessions.get(s.origin);
    return adminHttp(new URL(path, s.origin), {
      ...o,
      agent: this.agent(s),
      timeoutMs: o.timeoutMs ?? this.o.timeoutMs ?? 30_000,
      headers: {
        ...o.headers,
        // The admin listener takes calls from its own origin only (what its page sends).
        origin: s.origin,
        ...(token && { cookie: `${ADMIN_SESSION_COOKIE}=${token}` }),
      },
    }).catch((e: unknown) => {
      throw unreachable(s.origin, e);
    });
  }

  /** What the server says of this computer's session: signed in, and as whom. */
  private async checkSession(s: Stored): Promise<void> {
    let a: AdminHttpAnswer;
    try {
      a = await this.request(s, '/admin/session');
    } catch (e) {
      const err = e as PartnergateError;
      if (err.code !== 'server_certificate_changed')
        this.live.set(s.origin, {
          user: null,
          problem: { code: err.code as 'server_unreachable', message: err.message },
        });
      return;
    }
    const body = a.result as { signedIn?: unknown; users?: unknown; user?: AdminUser | null };
    if (typeof body?.signedIn !== 'boolean' || typeof body.users !== 'boolean') {
      this.live.set(s.origin, {
        user: null,
        problem: {
          code: 'not_partnergate',
          message: `${s.origin} answers HTTPS, but not as a Partnergate admin listener; check the address and port (the admin UI's, not the partner API's).`,
        },
      });
      return;
    }
    if (!body.users) {
      this.live.set(s.origin, { user: null, problem: noPeople(s.origin) });
      return;
    }
    if (!body.signedIn && this.sessions.delete(s.origin)) await this.save();
    this.live.set(s.origin, { user: body.user ?? null, problem: null });
  }

  /** The state, asking the server first whether the session still holds. */
  async refresh(): Promise<ConnectionState> {
    const cur = this.current();
    if (cur) await this.checkSession(cur);
    return this.changed();
  }

  /** Reads a server's certificate, trusting nothing yet. */
  async probe(address: string): Promise<ProbeResult> {
    const origin = serverOrigin(address);
    const identity = await probeIdentity(origin, this.o.timeoutMs);
    const before = this.find(origin);
    return { identity, confirmedPin: before && before.pin !== identity.pin ? before.pin : null };
  }

  /**
   * The person confirmed this certificate key: the server becomes the one in use (a different
   * key presented meanwhile is refused). A server confirmed before with another key is
   * replaced, its session dropped.
   */
  async trust(origin: string, pin: string): Promise<ConnectionState> {
    const o = serverOrigin(origin);
    const identity = await probeIdentity(o, this.o.timeoutMs);
    if (identity.pin !== pin)
      throw certificateChanged(o, { pin, confirmedAt: this.now() }, identity);
    const before = this.find(o);
    if (before && before.pin !== pin) {
      this.sessions.delete(o);
      this.dropAgent(o);
    }
    const entry: Stored = {
      origin: o,
      pin,
      fingerprint: identity.fingerprint,
      email: before?.email ?? null,
      confirmedAt: before?.pin === pin ? before.confirmedAt : this.now(),
      lastUsedAt: this.now(),
      session: null,
    };
    // Only a Partnergate with people is worth switching to.
    await this.checkSession(entry);
    const problem = this.live.get(o)?.problem;
    if (problem) {
      this.dropAgent(o);
      this.live.delete(o);
      throw new PartnergateError('invalid', problem.code, problem.message);
    }
    this.file.servers = [...this.file.servers.filter((s) => s.origin !== o), entry];
    this.file.current = o;
    await this.save();
    return this.changed();
  }

  async signIn(i: {
    email: string;
    password: string;
    code?: string | undefined;
  }): Promise<ConnectionState> {
    const s = this.requireCurrent();
    const a = await this.request(s, '/admin/session', {
      json: { email: i.email, password: i.password, ...(i.code && { code: i.code }) },
    });
    if (a.error) throw adminFailure(a.status, a.error);
    const token = a.cookies
      .map((c) => new RegExp(`^${ADMIN_SESSION_COOKIE}=([A-Za-z0-9_-]+)`).exec(c)?.[1])
      .find(Boolean);
    if (!token)
      throw new PartnergateError(
        'environment',
        'bad_response',
        `${s.origin} accepted the sign-in but gave no session; is it a Partnergate admin listener?`,
      );
    this.sessions.set(s.origin, token);
    const user = (a.result as { user?: AdminUser }).user ?? null;
    this.live.set(s.origin, { user, problem: null });
    s.email = user?.email ?? i.email;
    s.lastUsedAt = this.now();
    await this.save();
    return this.changed();
  }

  /** Ends the session here (or, `everywhere`, all of the person's), and forgets it. */
  async signOut(everywhere: boolean): Promise<ConnectionState> {
    const s = this.requireCurrent();
    if (this.sessions.has(s.origin))
      await this.request(s, '/admin/session/end', { json: { everywhere } }).catch(() => {
        /* the server cannot be told; the session is forgotten here and expires there */
      });
    this.sessions.delete(s.origin);
    this.live.set(s.origin, { user: null, problem: this.live.get(s.origin)?.problem ?? null });
    await this.save();
    return this.changed();
  }

  /** Back to this computer's store; the server and its session stay for switching back. */
  async useLocal(): Promise<ConnectionState> {
    this.file.current = null;
    await this.save();
    return this.changed();
  }

  async useServer(origin: string): Promise<ConnectionState> {
    const s = this.known(serverOrigin(origin));
    this.file.current = s.origin;
    s.lastUsedAt = this.now();
    await this.save();
    await this.checkSession(s);
    return this.changed();
  }

  /** Removes a confirmed server (signing out of it when it can still be reached as confirmed). */
  async forget(origin: string): Promise<ConnectionState> {
    const s = this.known(serverOrigin(origin));
    if (this.sessions.has(s.origin) && !this.live.get(s.origin)?.problem)
      await this.request(s, '/admin/session/end', { json: {} }).catch(() => undefined);
    this.sessions.delete(s.origin);
    this.live.delete(s.origin);
    this.dropAgent(s.origin);
    this.file.servers = this.file.servers.filter((x) => x.origin !== s.origin);
    if (this.file.current === s.origin) this.file.current = null;
    await this.save();
    return this.changed();
  }

  private requireCurrent(): Stored {
    const s = this.current();
    if (!s)
      throw new PartnergateError(
        'invalid',
        'no_team_server',
        'This window works on this computer’s store; connect to a team server first.',
      );
    return s;
  }

  /** One admin-contract call on the team server in use, answered as the local dispatcher answers. */
  async call(method: unknown, input: unknown): Promise<AdminAnswer> {
    if (!isAdminMethod(method)) return unknownMethod(method);
    const s = this.requireCurrent();
    if (!this.sessions.has(s.origin))
      return {
        ok: false,
        status: 401,
        error: { code: 'not_signed_in', message: `Sign in to ${s.origin}.`, details: [] },
      };
    let a: AdminHttpAnswer;
    try {
      a = await this.request(s, `/admin/api/${method}`, { json: input ?? {} });
    } catch (e) {
      const err = e as PartnergateError;
      return {
        ok: false,
        status: err.code === 'server_certificate_changed' ? 495 : 503,
        error: { code: err.code, message: err.message, details: [] },
      };
    }
    if (!a.error) return { ok: true, result: a.result };
    if (a.status === 401 && a.error.code === 'not_signed_in') {
      // The session ended there (expired, or signed out elsewhere): sign in again.
      this.sessions.delete(s.origin);
      this.live.set(s.origin, { user: null, problem: null });
      await this.save();
      this.changed();
    }
    return { ok: false, status: a.status, error: a.error };
  }

  /** An import file chosen in the window, streamed to the team server from where it is. */
  async upload(path: string): Promise<UploadedFile> {
    const s = this.requireCurrent();
    if (!existsSync(path) || !statSync(path).isFile())
      throw new PartnergateError(
        'not_found',
        'file_not_found',
        `${path} is not a file on this computer.`,
      );
    const a = await this.request(s, `/admin/uploads?name=${encodeURIComponent(basename(path))}`, {
      method: 'POST',
      stream: createReadStream(path),
      headers: { 'content-type': 'text/csv' },
      timeoutMs: 120_000,
    });
    if (a.error) throw adminFailure(a.status, a.error);
    return a.result as UploadedFile;
  }

  /** Closes kept connections (on quit). */
  close(): void {
    for (const origin of [...this.agents.keys()]) this.dropAgent(origin);
  }
}

const noPeople = (origin: string): ConnectionProblem => ({
  code: 'no_people',
  message: `${origin} has no people yet: its operator creates the owner with the set-up link \`partnergate serve\` printed, then invites you from the People page.`,
});
