/**
 * The desktop preload: exposes `window.api`, one function per admin-contract method, and
 * nothing else (no generic invoke, no ipcRenderer). Built into a single CommonJS file that a
 * sandboxed renderer can load.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { ADMIN_METHODS, type AdminApi, type AdminError } from '../shared/admin-contract.ts';

const ADMIN_CHANNEL = 'partnergate:admin';
const EVENTS_CHANNEL = 'partnergate:event';

type IpcAnswer = { ok: true; result: unknown } | { ok: false; error: AdminError };

function call(method: string, input: unknown): Promise<unknown> {
  return (ipcRenderer.invoke(ADMIN_CHANNEL, method, input ?? {}) as Promise<IpcAnswer>).then(
    (a) => {
      if (a.ok) return a.result;
      // A plain object survives the context bridge; the renderer turns it into its error type.
      throw Object.assign(new Error(a.error.message), {
        code: a.error.code,
        details: a.error.details,
      });
    },
  );
}

const api = Object.fromEntries(
  ADMIN_METHODS.map((m) => [m, (input: unknown) => call(m, input)]),
) as unknown as AdminApi;

export type DesktopEvent =
  | { type: 'listener'; running: boolean; port: number }
  | { type: 'notice'; title: string; message: string };

/** Typed subscription to what the main process announces; returns the unsubscribe. */
function onEvent(listener: (e: DesktopEvent) => void): () => void {
  const wrapped = (_event: IpcRendererEvent, e: DesktopEvent) => listener(e);
  ipcRenderer.on(EVENTS_CHANNEL, wrapped);
  return () => {
    ipcRenderer.removeListener(EVENTS_CHANNEL, wrapped);
  };
}

contextBridge.exposeInMainWorld('api', { ...api, onEvent });
