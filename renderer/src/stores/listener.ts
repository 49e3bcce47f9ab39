import { create } from 'zustand';
import type { ListenerStatus } from '../../../shared/admin-contract.ts';
import { api } from '../lib/api.ts';
import type { HttpsMode } from '../../../shared/settings.ts';

interface ListenerState {
  status: ListenerStatus | null;
  busy: boolean;
  load: () => Promise<void>;
  start: () => Promise<ListenerStatus>;
  stop: () => Promise<void>;
  configure: (host: string, port: number, https?: HttpsMode) => Promise<ListenerStatus>;
}

export const useListener = create<ListenerState>((set) => {
  const busy = async <T>(p: Promise<T>) => {
    set({ busy: true });
    try {
      return await p;
    } finally {
      set({ busy: false });
    }
  };
  return {
    status: null,
    busy: false,
    async load() {
      set({ status: await api.listenerStatus({}) });
    },
    async start() {
      const status = await busy(api.startListener({}));
      set({ status });
      return status;
    },
    async stop() {
      set({ status: await busy(api.stopListener({})) });
    },
    async configure(host, port, https) {
      const status = await busy(api.configureListener({ host, port, ...(https && { https }) }));
      set({ status });
      return status;
    },
  };
});
