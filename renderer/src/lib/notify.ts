/**
 * Toasts: what happened, or what went wrong and what to do. At most three show at once; the
 * same message again is one toast with a count, not a pile; each goes away by itself (errors
 * stay longest) and all can be dismissed together.
 */
import { create } from 'zustand';

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  title: string;
  message: string;
  /** How many times this same toast was raised while it showed. */
  count: number;
  /** An action on the toast, such as Undo. */
  action?: { label: string; run: () => void };
}

export const MAX_TOASTS = 3;

/** How long a toast shows, in milliseconds. */
export function toastLifetime(t: Pick<Toast, 'kind' | 'action'>): number {
  return t.kind === 'error' ? 10_000 : t.action ? 10_000 : 4_000;
}

interface ToastState {
  toasts: Toast[];
  push: (t: Omit<Toast, 'id' | 'count'>) => void;
  dismiss: (id: number) => void;
  dismissAll: () => void;
}

let next = 1;
const same = (a: Omit<Toast, 'id' | 'count'>, b: Toast) =>
  a.kind === b.kind && a.title === b.title && a.message === b.message && !a.action && !b.action;

export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  push(t) {
    const id = next++;
    const earlier = get().toasts.find((x) => same(t, x));
    const others = get().toasts.filter((x) => x !== earlier);
    set({
      toasts: [...others, { ...t, id, count: (earlier?.count ?? 0) + 1 }].slice(-MAX_TOASTS),
    });
    setTimeout(() => get().dismiss(id), toastLifetime(t));
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
  dismissAll() {
    set({ toasts: [] });
  },
}));

export const notify = {
  ok: (title: string, message = '', action?: Toast['action']) =>
    useToasts.getState().push({ kind: 'success', title, message, ...(action && { action }) }),
  error: (title: string, e: unknown) =>
    useToasts
      .getState()
      .push({ kind: 'error', title, message: e instanceof Error ? e.message : String(e) }),
  info: (title: string, message = '') =>
    useToasts.getState().push({ kind: 'info', title, message }),
};
