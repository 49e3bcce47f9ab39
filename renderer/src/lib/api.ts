/**
 * The renderer's one door to the core: the preload's `window.api` on the desktop (this
 * computer's store, or a team server's through the main process), else the admin HTTP listener
 * that served the page. Store actions call this; components never do.
 */
import {
  ADMIN_METHODS,
  type AdminApi,
  type AdminError,
  type UploadedFile,
} from '../../../shared/admin-contract.ts';
import type { DesktopBridge } from '../../../shared/desktop-bridge.ts';
import type { ConnectionState, DesktopConnectionApi } from '../../../shared/team-server.ts';
import type { AdminUser } from '../../../shared/users.ts';

declare global {
  interface Window {
    api?: DesktopBridge;
  }
}

export class AdminCallError extends Error {
  readonly code: string;
  readonly details: AdminError['details'];
  constructor(e: AdminError) {
    super(e.message);
    this.code = e.code;
    this.details = e.details;
  }
}

/** Errors from the desktop bridge arrive as plain objects with a code: the same type as the web's. */
function asCallError(e: unknown): AdminCallError {
  if (e instanceof AdminCallError) return e;
  const x = (e ?? {}) as Partial<AdminError> & { message?: string };
  return new AdminCallError({
    code: typeof x.code === 'string' ? x.code : 'desktop_error',
    message: x.message ?? String(e),
    details: Array.isArray(x.details) ? x.details : [],
  });
}

/** Called when a call finds the session gone (expired, ended elsewhere) or the server untrusted. */
let onSessionLost: (() => void) | null = null;
export function whenSessionLost(handler: () => void): void {
  onSessionLost = handler;
}
const LOST = new Set(['not_signed_in', 'server_certificate_changed']);
function checked(e: AdminCallError): AdminCallError {
  if (LOST.has(e.code)) onSessionLost?.();
  return e;
}

async function post(path: string, body: unknown): Promise<unknown> {
  return answer(
    await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    }),
  );
}

async function answer(res: Response): Promise<unknown> {
  const json = (await res.json().catch(() => ({
    error: {
      code: 'bad_response',
      message: `The admin listener answered ${res.status}.`,
      details: [],
    },
  }))) as { result?: unknown; error?: AdminError };
  if (!res.ok || json.error)
    throw checked(
      new AdminCallError(
        json.error ?? { code: 'http_error', message: `HTTP ${res.status}`, details: [] },
      ),
    );
  return json.result ?? json;
}

function webApi(): AdminApi {
  return Object.fromEntries(
    ADMIN_METHODS.map((m) => [m, (input: unknown) => post(`/admin/api/${m}`, input ?? {})]),
  ) as unknown as AdminApi;
}

function desktopApi(bridge: DesktopBridge): AdminApi {
  return Object.fromEntries(
    ADMIN_METHODS.map((m) => [
      m,
      (input: unknown) =>
        (bridge[m] as (i: unknown) => Promise<unknown>)(input).catch((e: unknown) => {
          throw checked(asCallError(e));
        }),
    ]),
  ) as unknown as AdminApi;
}

export const api: AdminApi = window.api ? desktopApi(window.api) : webApi();
export const isDesktop = window.api !== undefined;

/** The desktop's choice of this computer or a team server (null in a browser). */
export const connection: DesktopConnectionApi | null = window.api
  ? (Object.fromEntries(
      Object.entries(window.api.connection).map(([op, fn]) => [
        op,
        (input: unknown) =>
          (fn as (i: unknown) => Promise<unknown>)(input).catch((e: unknown) => {
            throw asCallError(e);
          }),
      ]),
    ) as unknown as DesktopConnectionApi)
  : null;

/** The desktop is working on a team server's store (not this computer's). */
let remote: ConnectionState['server'] = null;

/**
 * The admin UI's address people open (for set-up links and the CLI's `--server`): the page's
 * own in a browser, the team server's on the desktop connected to one; null on the desktop
 * working alone (there is no admin address until `partnergate serve` runs on its store).
 */
export const adminOrigin = (): string | null =>
  isDesktop ? (remote?.origin ?? null) : location.origin;

/** Where the desktop stands with its team server, as the sign-in gate sees it. */
export function connectionSignIn(s: ConnectionState): {
  state: SignInState;
  user: AdminUser | null;
} {
  remote = s.server;
  if (!s.server) return { state: 'signed-in', user: null };
  if (s.server.problem) return { state: 'server-problem', user: null };
  return s.server.signedIn
    ? { state: 'signed-in', user: s.server.user }
    : { state: 'needs-sign-in', user: null };
}

/**
 * Hands a chosen file to the core for an import: the desktop app reads it where it is on disk;
 * in a browser it is streamed to the admin listener, never read into the page.
 */
export async function uploadFile(file: File): Promise<UploadedFile> {
  if (window.api)
    return window.api.uploadFile(file).catch((e: unknown) => {
      throw checked(asCallError(e));
    });
  return (await answer(
    await fetch(`/admin/uploads?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: file,
      credentials: 'same-origin',
    }),
  )) as UploadedFile;
}
/** The desktop's event subscriptions; in a browser there is no main process to hear from. */
export const desktop: Pick<DesktopBridge, 'on'> | null = window.api ?? null;

export type SignInState =
  | 'signed-in'
  | 'needs-link'
  | 'needs-sign-in'
  | 'needs-setup'
  /** The desktop's team server cannot be used: unreachable, or its certificate changed. */
  | 'server-problem';

interface SessionAnswer {
  signedIn: boolean;
  /** People sign in to this Partnergate (email and password). */
  users: boolean;
  user: AdminUser | null;
}

let signingIn: Promise<{ state: SignInState; user: AdminUser | null }> | null = null;
/** A one-time set-up link's secret, taken from the URL (and out of the history) on load. */
let setupToken: string | null = null;
let setupOwner = false;

/** Whether the set-up link is the owner's (who gives their email and name with it). */
export const setupIsOwners = () => setupOwner;

/**
 * Where this window stands: on the desktop, its connection; in a browser, its session (the
 * one-time token in the URL fragment is traded for the session cookie once: calls made while
 * one check is under way share it).
 */
export function signIn(): Promise<{ state: SignInState; user: AdminUser | null }> {
  signingIn ??= exchangeToken().finally(() => {
    signingIn = null;
  });
  return signingIn;
}

async function exchangeToken(): Promise<{ state: SignInState; user: AdminUser | null }> {
  if (connection) return connectionSignIn(await connection.state({ refresh: true }));
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  setupToken = params.get('setup') ?? setupToken;
  setupOwner ||= params.get('owner') === '1';
  if (token || setupToken) history.replaceState(null, '', location.pathname);
  if (setupToken) return { state: 'needs-setup', user: null };
  if (token) {
    try {
      await post('/admin/session', { token });
      return { state: 'signed-in', user: null };
    } catch {
      /* fall through: maybe already signed in */
    }
  }
  const res = await fetch('/admin/session', { credentials: 'same-origin' });
  const s = (await res.json()) as SessionAnswer;
  if (s.signedIn) return { state: 'signed-in', user: s.user };
  return { state: s.users ? 'needs-sign-in' : 'needs-link', user: null };
}

/** Signs a person in with email and password (the session cookie is set by the answer). */
export async function signInWithPassword(
  email: string,
  password: string,
  code?: string,
): Promise<AdminUser> {
  if (connection) {
    const s = await connection.signIn({ email, password, ...(code && { code }) });
    connectionSignIn(s);
    return s.server!.user!;
  }
  return (
    (await post('/admin/session', { email, password, ...(code && { code }) })) as {
      user: AdminUser;
    }
  ).user;
}

/** Uses the set-up link this page was opened with: sets the password, then signs in. */
export async function completeSetup(o: {
  password: string;
  email?: string;
  name?: string;
}): Promise<AdminUser> {
  const user = ((await post('/admin/session', { setup: setupToken, ...o })) as { user: AdminUser })
    .user;
  setupToken = null;
  return user;
}

/** Signs this browser out, or (`everywhere`) every browser the person is signed in on. */
export async function signOut(everywhere = false): Promise<void> {
  if (connection) connectionSignIn(await connection.signOut({ everywhere }));
  else await post('/admin/session/end', { everywhere });
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
