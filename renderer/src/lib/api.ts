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

let signingIn: Promise<'signed-in' | 'needs-link'> | null = null;

/** Web mode: trade the one-time token in the URL fragment for the session cookie (once per page). */
export function signIn(): Promise<'signed-in' | 'needs-link'> {
  signingIn ??= exchangeToken();
  return signingIn;
}

async function exchangeToken(): Promise<'signed-in' | 'needs-link'> {
  if (isDesktop) return 'signed-in';
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (token) {
    history.replaceState(null, '', location.pathname);
    try {
      await post('/admin/session', { token });
      return 'signed-in';
    } catch {
      /* fall through: maybe already signed in */
    }
  }
  const res = await fetch('/admin/session', { credentials: 'same-origin' });
  const s = (await res.json()) as { signedIn: boolean };
  return s.signedIn ? 'signed-in' : 'needs-link';
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
