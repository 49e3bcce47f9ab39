/**
 * The object the preload exposes as `window.api`, built from an ipcRenderer passed in so that it
 * is unit-tested without Electron: one function per admin-contract method, `connection` (this
 * computer or a team server) and `on` for typed events. Nothing else: no generic invoke, no
 * access to ipcRenderer or to other channels.
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import { ADMIN_METHODS, type AdminApi } from '../shared/admin-contract.ts';
import type { UploadedFile } from '../shared/admin-contract.ts';
import { CONNECTION_OPS, type DesktopConnectionApi } from '../shared/team-server.ts';
import {
  ADMIN_CHANNEL,
  CONNECTION_CHANNEL,
  DESKTOP_EVENTS,
  EVENT_CHANNEL,
  UPLOAD_CHANNEL,
  type DesktopBridge,
  type DesktopEventMessage,
  type DesktopEventName,
  type IpcAnswer,
} from '../shared/desktop-bridge.ts';

export function buildBridge(
  ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>,
  /** Electron's webUtils.getPathForFile: the path on disk of a File the user chose. */
  pathOfFile: (file: File) => string,
): DesktopBridge {
  const answer = (a: IpcAnswer): unknown => {
    if (a.ok) return a.result;
    // A plain object survives the context bridge; the renderer turns it into its error type.
    throw Object.assign(new Error(a.error.message), {
      code: a.error.code,
      details: a.error.details,
    });
  };
  const call = async (method: string, input: unknown): Promise<unknown> =>
    answer((await ipc.invoke(ADMIN_CHANNEL, method, input ?? {})) as IpcAnswer);
  const uploadFile = async (file: object): Promise<UploadedFile> =>
    answer(
      (await ipc.invoke(UPLOAD_CHANNEL, pathOfFile(file as File))) as IpcAnswer,
    ) as UploadedFile;
  const api = Object.fromEntries(
    ADMIN_METHODS.map((m) => [m, (input: unknown) => call(m, input)]),
  ) as unknown as AdminApi;
  const connection = Object.fromEntries(
    CONNECTION_OPS.map((op) => [
      op,
      async (input: unknown) =>
        answer((await ipc.invoke(CONNECTION_CHANNEL, op, input ?? {})) as IpcAnswer),
    ]),
  ) as unknown as DesktopConnectionApi;

  const on: DesktopBridge['on'] = (event, handler) => {
    if (!DESKTOP_EVENTS.includes(event)) throw new Error(`There is no desktop event ${event}.`);
    if (typeof handler !== 'function')
      throw new Error('A desktop event handler must be a function.');
    const listener = (_e: IpcRendererEvent, message: DesktopEventMessage<DesktopEventName>) => {
      if (message?.event === event) handler(message.payload as never);
    };
    ipc.on(EVENT_CHANNEL, listener);
    return () => {
      ipc.removeListener(EVENT_CHANNEL, listener);
    };
  };
  return { ...api, uploadFile, connection, on };
}
