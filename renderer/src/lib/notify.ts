/** Toasts: what happened, or what went wrong and what to do. */
import { create } from 'zustand';

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  title: string;
  message: string;
  /** An action on the toast, such as Undo. */
  action?: { label: string; run: () => void };
}

interface ToastState {
  toasts: Toast[];
  push: (t: Omit<Toast, 'id'>) => void;
  dismiss: (id: number) => void;
}

let next = 1;
export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  push(t) {
    const id = next++;
    set({ toasts: [...get().toasts.slice(-3), { ...t, id }] });
    setTimeout(() => get().dismiss(id), t.kind === 'error' ? 12_000 : t.action ? 10_000 : 4_000);
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
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
