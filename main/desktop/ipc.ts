/**
 * The admin contract over Electron IPC: one channel, the method name and one object argument.
 * Every call's sender frame is checked, the method must be in the contract, and the input is
 * parsed with the contract's schema before a handler sees it. Failures travel as data (Electron
 * flattens thrown errors into a message string).
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import { z } from 'zod';
import {
  adminContract,
  type AdminError,
  type AdminHandlers,
  type AdminMethod,
} from '../../shared/admin-contract.ts';
import {
  ADMIN_CHANNEL,
  EVENT_CHANNEL,
  type DesktopEventMessage,
  type DesktopEventName,
  type DesktopEvents,
  type IpcAnswer,
} from '../../shared/desktop-bridge.ts';
import { isPartnergateError } from '../../shared/errors.ts';
import { isTrustedSender } from './security.ts';

export { ADMIN_CHANNEL };

function toAdminError(e: unknown): AdminError {
  if (e instanceof z.ZodError) {
    const details = e.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    return {
      code: 'invalid_input',
      message: `Invalid input: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}.`,
      details,
    };
  }
  if (isPartnergateError(e)) return { code: e.code, message: e.message, details: e.details };
  return {
    code: 'internal_error',
    message: 'Something went wrong; the details are in the log.',
    details: [],
  };
}

/** One admin call from the renderer, as plain logic (the IPC handler only forwards to it). */
export async function answerAdminCall(
  handlers: AdminHandlers,
  sender: Pick<WebFrameMain, 'url'> | null,
  mainFrame: Pick<WebFrameMain, 'url'> | null,
  method: unknown,
  input: unknown,
  log: (e: unknown) => void = () => {},
): Promise<IpcAnswer> {
  if (!isTrustedSender(sender, mainFrame)) {
    return {
      ok: false,
      error: {
        code: 'untrusted_sender',
        message: 'Admin calls are only accepted from the Partnergate window.',
        details: [],
      },
    };
  }
  if (typeof method !== 'string' || !Object.hasOwn(adminContract, method)) {
    return {
      ok: false,
      error: {
        code: 'unknown_method',
        message: `There is no admin call ${String(method)}.`,
        details: [],
      },
    };
  }
  const m = method as AdminMethod;
  try {
    const parsed = adminContract[m].input.parse(input ?? {});
    const handler = handlers[m] as (i: unknown) => unknown;
    return { ok: true, result: await handler(parsed) };
  } catch (e) {
    const error = toAdminError(e);
    if (error.code === 'internal_error') log(e);
    return { ok: false, error };
  }
}

export function registerAdminIpc(
  ipcMain: Pick<IpcMain, 'handle'>,
  handlers: AdminHandlers,
  mainFrame: () => WebFrameMain | null,
  log?: (e: unknown) => void,
): void {
  ipcMain.handle(ADMIN_CHANNEL, (event: IpcMainInvokeEvent, method: unknown, input: unknown) =>
    answerAdminCall(handlers, event.senderFrame, mainFrame(), method, input, log),
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
