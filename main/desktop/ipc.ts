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
  CONNECTION_CHANNEL,
  EVENT_CHANNEL,
  UPLOAD_CHANNEL,
  type DesktopEventMessage,
  type DesktopEventName,
  type DesktopEvents,
  type IpcAnswer,
} from '../../shared/desktop-bridge.ts';
import { adminError, type AdminAnswer, type AdminDispatch } from '../admin/dispatch.ts';
import { CONNECTION_OPS, connectionOps, type ConnectionOp } from '../../shared/team-server.ts';
import { TeamServerConnection } from './team-server.ts';
import type { SecretBox } from '../services/secret-box.ts';
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
  dispatch: DesktopDispatch,
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
export async function answerUpload(
  register: (path: string) => UploadedFile | Promise<UploadedFile>,
  sender: Pick<WebFrameMain, 'url'> | null,
  mainFrame: Pick<WebFrameMain, 'url'> | null,
  path: unknown,
): Promise<IpcAnswer> {
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
    return { ok: true, result: await register(path) };
  } catch (e) {
    return { ok: false, error: adminError(e).error };
  }
}

/** What the window's admin calls go to: this computer's store or the team server in use. */
export type DesktopDispatch = (method: unknown, input: unknown) => Promise<AdminAnswer>;

/**
 * The desktop's admin transport: IPC into this process, then the local dispatcher, or, while a
 * team server is chosen, that server over pinned HTTPS. The window cannot tell them apart.
 */
export function desktopTransport(
  local: { dispatch: AdminDispatch; registerFile: (path: string) => UploadedFile },
  team: Pick<TeamServerConnection, 'current' | 'call' | 'upload'>,
): { dispatch: DesktopDispatch; upload: (path: string) => Promise<UploadedFile> } {
  return {
    dispatch: (method, input) =>
      team.current() ? team.call(method, input) : local.dispatch(method, input),
    upload: async (path) => (team.current() ? team.upload(path) : local.registerFile(path)),
  };
}

/** One connection operation from the window (connect, confirm, sign in, switch back…). */
export async function answerConnectionCall(
  team: TeamServerConnection,
  sender: Pick<WebFrameMain, 'url'> | null,
  mainFrame: Pick<WebFrameMain, 'url'> | null,
  op: unknown,
  input: unknown,
): Promise<IpcAnswer> {
  if (!isTrustedSender(sender, mainFrame)) return untrusted;
  if (typeof op !== 'string' || !(CONNECTION_OPS as string[]).includes(op))
    return {
      ok: false,
      error: {
        code: 'unknown_operation',
        message: `There is no connection operation ${String(op)}.`,
        details: [],
      },
    };
  try {
    const run = connectionRunner(team);
    return { ok: true, result: await run(op as ConnectionOp, input) };
  } catch (e) {
    return { ok: false, error: adminError(e).error };
  }
}

function connectionRunner(team: TeamServerConnection) {
  return async (op: ConnectionOp, raw: unknown): Promise<unknown> => {
    switch (op) {
      case 'state': {
        const i = connectionOps.state.parse(raw ?? {});
        return i.refresh ? team.refresh() : team.state();
      }
      case 'probe':
        return team.probe(connectionOps.probe.parse(raw ?? {}).url);
      case 'trust': {
        const i = connectionOps.trust.parse(raw ?? {});
        return team.trust(i.origin, i.pin);
      }
      case 'signIn':
        return team.signIn(connectionOps.signIn.parse(raw ?? {}));
      case 'signOut':
        return team.signOut(connectionOps.signOut.parse(raw ?? {}).everywhere);
      case 'useLocal':
        return team.useLocal();
      case 'useServer':
        return team.useServer(connectionOps.useServer.parse(raw ?? {}).origin);
      case 'forget':
        return team.forget(connectionOps.forget.parse(raw ?? {}).origin);
    }
  };
}

export function registerAdminIpc(
  ipcMain: Pick<IpcMain, 'handle'>,
  dispatch: DesktopDispatch,
  registerUpload: (path: string) => UploadedFile | Promise<UploadedFile>,
  mainFrame: () => WebFrameMain | null,
  team?: TeamServerConnection,
): void {
  ipcMain.handle(ADMIN_CHANNEL, (event: IpcMainInvokeEvent, method: unknown, input: unknown) =>
    answerAdminCall(dispatch, event.senderFrame, mainFrame(), method, input),
  );
  ipcMain.handle(UPLOAD_CHANNEL, (event: IpcMainInvokeEvent, path: unknown) =>
    answerUpload(registerUpload, event.senderFrame, mainFrame(), path),
  );
  if (team)
    ipcMain.handle(CONNECTION_CHANNEL, (event: IpcMainInvokeEvent, op: unknown, input: unknown) =>
      answerConnectionCall(team, event.senderFrame, mainFrame(), op, input),
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

export interface DesktopAdminOptions {
  ipcMain: Pick<IpcMain, 'handle'>;
  dataDir: string;
  secretBox?: SecretBox | undefined;
  /** This computer's store. */
  dispatch: AdminDispatch;
  registerFile: (path: string) => UploadedFile;
  /** The window's main frame (calls from anything else are refused). */
  mainFrame: () => WebFrameMain | null;
  /** The window, told when the team server connection changes. */
  contents: () => Pick<WebContents, 'send' | 'isDestroyed'> | null | undefined;
  warn?: (message: string) => void;
}

/**
 * The window's admin calls, wired: the contract, imports and the connection over IPC, answered
 * by this computer's store or the team server in use. main.ts and its stand-in both call this.
 */
export async function openDesktopAdmin(o: DesktopAdminOptions): Promise<TeamServerConnection> {
  const team = await TeamServerConnection.open({
    dataDir: o.dataDir,
    secretBox: o.secretBox,
    ...(o.warn && { warn: o.warn }),
  });
  team.onChange((state) => sendDesktopEvent(o.contents(), 'connection', state));
  const transport = desktopTransport({ dispatch: o.dispatch, registerFile: o.registerFile }, team);
  registerAdminIpc(o.ipcMain, transport.dispatch, transport.upload, o.mainFrame, team);
  return team;
}
