/**
 * The desktop window's security rules (Electron's checklist), as plain functions over
 * Electron's types so they are unit-tested without an Electron binary. main.ts only wires them.
 */
import type { BrowserWindowConstructorOptions, HandlerDetails, WebFrameMain } from 'electron';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';

/** The renderer is served from this custom scheme, never from file:// or a dev server. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'partnergate';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export function windowOptions(
  preloadPath: string,
  bounds: { width: number; height: number; x?: number | undefined; y?: number | undefined },
): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Partnergate',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      experimentalFeatures: false,
    },
  };
}

/** Only the app's own pages; any other navigation (a link, a drop, a redirect) is refused. */
export function isAllowedNavigation(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** The one door to the system browser: http(s) URLs only, nothing else (no file:, no javascript:). */
export function externalUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/** New windows are never opened; an http(s) link goes to the system browser instead. */
export function handleWindowOpen(
  details: Pick<HandlerDetails, 'url'>,
  openExternal: (url: string) => void,
): { action: 'deny' } {
  const url = externalUrl(details.url);
  if (url) openExternal(url);
  return { action: 'deny' };
}

/**
 * Maps an app:// request to a file inside the renderer folder, or null: no `..` escapes, no
 * absolute paths, no other host. A path without an extension is a UI route and gets index.html.
 */
export function resolveAppFile(rendererDir: string, requestUrl: string): string | null {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const rel = normalize(path).replace(/^[/\\]+/, '');
  if (rel === '' || rel === '.') return join(rendererDir, 'index.html');
  const file = join(rendererDir, rel);
  const within = relative(rendererDir, file);
  if (within.startsWith('..') || isAbsolute(within) || within.split(sep).includes('..'))
    return null;
  return /\.[a-z0-9]+$/i.test(rel) ? file : join(rendererDir, 'index.html');
}

/** Every IPC call must come from the app's own top-level page. */
export function isTrustedSender(
  frame: Pick<WebFrameMain, 'url'> | null | undefined,
  topFrame?: Pick<WebFrameMain, 'url'> | null,
): boolean {
  if (!frame) return false;
  if (topFrame && frame !== topFrame) return false;
  return isAllowedNavigation(frame.url);
}

/** Camera, microphone, notifications from the page, geolocation…: the admin UI needs none. */
export function denyAllPermissions(
  _permission: string,
  callback: (granted: boolean) => void,
): void {
  callback(false);
}
