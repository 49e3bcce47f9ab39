/**
 * The renderer's one door to the core: the preload's `window.api` on the desktop, else the
 * loopback admin HTTP listener. Store actions call this; components never do.
 */
import {
  ADMIN_METHODS,
  type AdminApi,
  type AdminError,
  type UploadedFile,
} from '../../../shared/admin-contract.ts';
import type { DesktopBridge } from '../../../shared/desktop-bridge.ts';
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
    throw new AdminCallError(
      json.error ?? { code: 'http_error', message: `HTTP ${res.status}`, details: [] },
    );
  return json.result ?? json;
}

function webApi(): AdminApi {
  return Object.fromEntries(
    ADMIN_METHODS.map((m) => [m, (input: unknown) => post(`/admin/api/${m}`, input ?? {})]),
  ) as unknown as AdminApi;
}

export const api: AdminApi = window.api ?? webApi();
export const isDesktop = window.api !== undefined;

/**
 * Hands a chosen file to the core for an import: the desktop app reads it where it is on disk;
 * in a browser it is streamed to the admin listener, never read into the page.
 */
export async function uploadFile(file: File): Promise<UploadedFile> {
  if (window.api) return window.api.uploadFile(file);
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

export type SignInState = 'signed-in' | 'needs-link' | 'needs-sign-in' | 'needs-setup';

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

/** Web mode: trade the one-time token in the URL fragment for the session cookie (once per page). */
export function signIn(): Promise<{ state: SignInState; user: AdminUser | null }> {
  signingIn ??= exchangeToken();
  return signingIn;
}

async function exchangeToken(): Promise<{ state: SignInState; user: AdminUser | null }> {
  if (isDesktop) return { state: 'signed-in', user: null };
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
  await post('/admin/session/end', { everywhere });
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
