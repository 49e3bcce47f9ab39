/**
 * The admin contract over Electron IPC: one channel, the method name and one object argument.
 * Every call's sender frame is checked, the method must be in the contract, and the input is
 * parsed with the contract's schema before a handler sees it. Failures travel as data (Electron
 * flattens thrown errors into a message string).
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import type { UploadedFile } from '../../shared/admin-contract.ts';
import {
  ADMIN_CHANNEL,
  EVENT_CHANNEL,
  UPLOAD_CHANNEL,
  type DesktopEventMessage,
  type DesktopEventName,
  type DesktopEvents,
  type IpcAnswer,
} from '../../shared/desktop-bridge.ts';
import { adminError, type AdminDispatch } from '../admin/dispatch.ts';
import { isTrustedSender } from './security.ts';

export { ADMIN_CHANNEL };

const untrusted: IpcAnswer = {
  ok: false,
  error: {
    code: 'untrusted_sender',
    message: 'Admin calls are only accepted from the Partnergate window.',
    details: [],
  },
};

/** One admin call from the renderer, as plain logic (the IPC handler only forwards to it). */
export async function answerAdminCall(
  dispatch: AdminDispatch,
  sender: Pick<WebFrameMain, 'url'> | null,
  mainFrame: Pick<WebFrameMain, 'url'> | null,
  method: unknown,
  input: unknown,
): Promise<IpcAnswer> {
  if (!isTrustedSender(sender, mainFrame)) return untrusted;
  const a = await dispatch(method, input);
  return a.ok ? { ok: true, result: a.result } : { ok: false, error: a.error };
}

/**
 * A file the user chose in the window, named by its path (the preload reads it off the File
 * with webUtils): imported where it is, never copied through IPC.
 */
export function answerUpload(
  register: (path: string) => UploadedFile,
  sender: Pick<WebFrameMain, 'url'> | null,
  mainFrame: Pick<WebFrameMain, 'url'> | null,
  path: unknown,
): IpcAnswer {
  if (!isTrustedSender(sender, mainFrame)) return untrusted;
  if (typeof path !== 'string' || path === '')
    return {
      ok: false,
      error: {
        code: 'file_not_found',
        message: 'The chosen file has no path on this computer; choose a file from a disk.',
        details: [],
      },
    };
  try {
    return { ok: true, result: register(path) };
  } catch (e) {
    return { ok: false, error: adminError(e).error };
  }
}

export function registerAdminIpc(
  ipcMain: Pick<IpcMain, 'handle'>,
  dispatch: AdminDispatch,
  registerUpload: (path: string) => UploadedFile,
  mainFrame: () => WebFrameMain | null,
): void {
  ipcMain.handle(ADMIN_CHANNEL, (event: IpcMainInvokeEvent, method: unknown, input: unknown) =>
    answerAdminCall(dispatch, event.senderFrame, mainFrame(), method, input),
  );
  ipcMain.handle(UPLOAD_CHANNEL, (event: IpcMainInvokeEvent, path: unknown) =>
    answerUpload(registerUpload, event.senderFrame, mainFrame(), path),
  );
}

/** Announces an event to the window's preload (`window.api.on`); a closed window is skipped. */
export function sendDesktopEvent<E extends DesktopEventName>(
  contents: Pick<WebContents, 'send' | 'isDestroyed'> | null | undefined,
  event: E,
  payload: DesktopEvents[E],
): boolean {
  if (!contents || contents.isDestroyed()) return false;
  const message: DesktopEventMessage<E> = { event, payload };
  contents.send(EVENT_CHANNEL, message);
  return true;
}
