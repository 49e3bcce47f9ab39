/**
 * The desktop's choice of store: this computer's, or a team server's (its certificate confirmed
 * once, then pinned by the main process). Switching reloads the window, so every page reads
 * from the store it now works on. In a browser there is nothing to choose.
 */
import { create } from 'zustand';
import type { ConnectionState, ProbeResult } from '../../../../shared/team-server.ts';
import { connection } from '../../lib/api.ts';

interface ConnectionStore {
  /** Whether this window can choose (the desktop app). */
  available: boolean;
  state: ConnectionState | null;
  load: () => Promise<void>;
  /** Reads a server's certificate for the person to compare; trusts nothing yet. */
  probe: (url: string) => Promise<ProbeResult>;
  /** Confirms the certificate key shown, and works on that server from now on. */
  trust: (origin: string, pin: string) => Promise<void>;
  toLocal: () => Promise<void>;
  toServer: (origin: string) => Promise<void>;
  forget: (origin: string) => Promise<void>;
}

const need = () => {
  if (!connection) throw new Error('Only the desktop app connects to a team server.');
  return connection;
};

/** Shows the other store from its first page (ids of one store mean nothing in the other). */
function reopen(): void {
  history.replaceState(null, '', '#/partners');
  location.reload();
}

export const useConnection = create<ConnectionStore>((set) => ({
  available: connection !== null,
  state: null,
  async load() {
    if (connection) set({ state: await connection.state({}) });
  },
  probe: (url) => need().probe({ url }),
  async trust(origin, pin) {
    set({ state: await need().trust({ origin, pin }) });
    reopen();
  },
  async toLocal() {
    set({ state: await need().useLocal({}) });
    reopen();
  },
  async toServer(origin) {
    set({ state: await need().useServer({ origin }) });
    reopen();
  },
  async forget(origin) {
    const before = useConnection.getState().state?.mode;
    const state = await need().forget({ origin });
    set({ state });
    if (before !== state.mode) reopen();
  },
}));

/** `https://host:port` as people say it: the host and port. */
export const hostOf = (origin: string) => origin.replace(/^https:\/\//, '');
