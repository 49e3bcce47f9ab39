/**
 * What the desktop preload puts on `window.api`: the admin contract, plus typed subscriptions to
 * what the main process announces. Shared by main (which sends), the preload (which exposes)
 * and the renderer (which listens), so the three cannot disagree on names or payloads.
 */
import type { AdminApi, AdminError, ListenerStatus, UploadedFile } from './admin-contract.ts';
import type { ConnectionState, DesktopConnectionApi } from './team-server.ts';

/** The one IPC channel admin calls travel on (method name and one object argument). */
export const ADMIN_CHANNEL = 'partnergate:admin';
/** How an admin call's outcome travels back (Electron flattens thrown errors into a string). */
export type IpcAnswer = { ok: true; result: unknown } | { ok: false; error: AdminError };
/** Hands main the path of a file the user chose, for an import (`window.api.uploadFile`). */
export const UPLOAD_CHANNEL = 'partnergate:upload';
/** Connecting to a team server and back (`window.api.connection`), as `(op, input)`. */
export const CONNECTION_CHANNEL = 'partnergate:connection';
/** The one IPC channel events travel on, as `{ event, payload }`. */
export const EVENT_CHANNEL = 'partnergate:event';

/** The admin UI's pages, as in its URLs (`#/partners/3`). */
export const PAGES = [
  'partners',
  'keys',
  'offers',
  'reports',
  'listener',
  'dashboard',
  'audit',
  'import',
  'sources',
  'settings',
  'people',
  'account',
] as const;
export type Page = (typeof PAGES)[number];

export interface DesktopEvents {
  /** The partner API listener started, stopped or moved, from the window or from the tray. */
  listener: ListenerStatus;
  /** Show a page, for example the partner whose key a clicked notification was about. */
  navigate: { page: Page; id: number | null };
  /** The team server connection changed: signed out by the server, its certificate changed… */
  connection: ConnectionState;
}
export type DesktopEventName = keyof DesktopEvents;
export const DESKTOP_EVENTS: readonly DesktopEventName[] = ['listener', 'navigate', 'connection'];

export interface DesktopEventMessage<E extends DesktopEventName = DesktopEventName> {
  event: E;
  payload: DesktopEvents[E];
}

export type Unsubscribe = () => void;

export interface DesktopBridge extends AdminApi {
  /**
   * Makes a file the user chose (a DOM File) available to `startImport`; main reads it where it
   * is on disk, so nothing of it travels over IPC.
   */
  uploadFile(file: object): Promise<UploadedFile>;
  /** This computer's store, or a team server's: which, and switching between them. */
  connection: DesktopConnectionApi;
  /** Calls `handler` with every `event` the main process sends until the returned function is called. */
  on<E extends DesktopEventName>(
    event: E,
    handler: (payload: DesktopEvents[E]) => void,
  ): Unsubscribe;
}
