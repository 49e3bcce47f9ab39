/**
 * Whether this page may use the admin UI: the desktop app always; a browser once it has traded
 * the one-time link for its session cookie. Also connects the desktop app's announcements.
 */
import { create } from 'zustand';
import { desktop, signIn } from '../lib/api.ts';
import { connectDesktopEvents } from './desktop-events.ts';

interface SessionState {
  state: 'checking' | 'signed-in' | 'needs-link' | 'error';
  check: () => Promise<void>;
  /** Applies what the desktop main process announces; returns the unsubscribe. */
  listen: () => () => void;
}

export const useSession = create<SessionState>((set) => ({
  state: 'checking',
  async check() {
    try {
      set({ state: await signIn() });
    } catch {
      set({ state: 'error' });
    }
  },
  listen: () => connectDesktopEvents(desktop),
}));
