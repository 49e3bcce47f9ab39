/**
 * Whether this page may use the admin UI: the desktop app always; a browser once it has traded
 * the one-time link for its session cookie, or once its person signed in (or set up their
 * account from a one-time link). Also connects the desktop app's announcements.
 */
import { create } from 'zustand';
import type { AdminUser } from '../../../shared/users.ts';
import type { ConnectionState } from '../../../shared/team-server.ts';
import {
  AdminCallError,
  completeSetup,
  connectionSignIn,
  desktop,
  whenSessionLost,
  signIn,
  signInWithPassword,
  setupIsOwners,
  signOut,
  type SignInState,
} from '../lib/api.ts';
import { connectDesktopEvents } from './desktop-events.ts';

interface SessionState {
  state: 'checking' | SignInState | 'error';
  /** The signed-in person; null on the desktop and for the one-time link's browser. */
  user: AdminUser | null;
  /** The set-up link this page opened is the owner's (who gives their email and name). */
  setupForOwner: boolean;
  check: () => Promise<void>;
  signIn: (email: string, password: string, code?: string) => Promise<void>;
  setup: (o: { password: string; email?: string; name?: string }) => Promise<void>;
  signOut: (everywhere?: boolean) => Promise<void>;
  /** Applies what the desktop main process announces; returns the unsubscribe. */
  listen: () => () => void;
  /** The desktop's team server connection as it now stands (signed out there, certificate changed…). */
  applyConnection: (s: ConnectionState) => void;
}

export const useSession = create<SessionState>((set, get) => ({
  state: 'checking',
  user: null,
  setupForOwner: false,
  async check() {
    try {
      set({ ...(await signIn()), setupForOwner: setupIsOwners() });
    } catch {
      set({ state: 'error' });
    }
  },
  async signIn(email, password, code) {
    set({ state: 'signed-in', user: await signInWithPassword(email, password, code) });
  },
  async setup(o) {
    set({ state: 'signed-in', user: await completeSetup(o) });
  },
  async signOut(everywhere = false) {
    await signOut(everywhere);
    set({ state: 'needs-sign-in', user: null });
  },
  listen: () => connectDesktopEvents(desktop, get().applyConnection),
  applyConnection(c) {
    const next = connectionSignIn(c);
    // Only a change of footing: a signed-in window stays as it is when nothing changed.
    if (next.state !== get().state || next.user?.id !== get().user?.id) set(next);
  },
}));

// A call that finds the session gone or the server untrusted sends the window to the door.
whenSessionLost(() => {
  const { state, check } = useSession.getState();
  if (state === 'signed-in') void check();
});

/** A sign-in refused only for want of the authenticator app's code (the password was right). */
export const needsSecondFactor = (e: unknown): boolean =>
  e instanceof AdminCallError && e.code === 'second_factor_needed';
