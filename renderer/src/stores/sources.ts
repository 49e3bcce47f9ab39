/**
 * Sources (watched folders, URLs, trackers): one list for the Sources pages, the navigation's
 * alert badge and the dashboard's "last sync". Every change made here updates it.
 */
import { create } from 'zustand';
import type { AdminInput } from '../../../shared/admin-contract.ts';
import type { Offer } from '../../../shared/schemas.ts';
import type { Source, SourceDetail, SourceMapResult, SourceRun } from '../../../shared/sources.ts';
import { api } from '../lib/api.ts';

interface SourcesState {
  sources: Source[];
  loaded: boolean;
  /** The source whose page is open, with its mappings, held rows and runs. */
  detail: SourceDetail | null;
  /** Offers to map a tracker's offer ids to. */
  offers: Offer[];
  load: () => Promise<void>;
  open: (id: number) => Promise<void>;
  loadOffers: () => Promise<void>;
  add: (input: AdminInput<'addSource'>) => Promise<Source>;
  update: (input: AdminInput<'updateSource'>) => Promise<Source>;
  remove: (id: number) => Promise<void>;
  pause: (id: number) => Promise<Source>;
  resume: (id: number) => Promise<Source>;
  run: (id: number) => Promise<SourceRun>;
  map: (input: AdminInput<'mapSourceId'>) => Promise<SourceMapResult>;
  unmap: (input: AdminInput<'unmapSourceId'>) => Promise<void>;
}

export const useSources = create<SourcesState>((set, get) => {
  /** Takes a changed source into the list (and the open page), then reads the page again. */
  const put = async (s: Source) => {
    set({ sources: get().sources.map((x) => (x.id === s.id ? s : x)) });
    if (get().detail?.id === s.id) await get().open(s.id);
    return s;
  };
  return {
    sources: [],
    loaded: false,
    detail: null,
    offers: [],
    async load() {
      set({ sources: await api.listSources({}), loaded: true });
    },
    async open(id) {
      const d = await api.getSource({ id });
      const others = get().sources.filter((x) => x.id !== id);
      set({ detail: d, sources: [...others, d].sort((a, b) => a.name.localeCompare(b.name)) });
    },
    async loadOffers() {
      set({ offers: await api.listOffers({}) });
    },
    async add(input) {
      const s = await api.addSource(input);
      set({ sources: [...get().sources, s].sort((a, b) => a.name.localeCompare(b.name)) });
      return s;
    },
    async update(input) {
      return put(await api.updateSource(input));
    },
    async remove(id) {
      await api.removeSource({ id });
      set({
        sources: get().sources.filter((s) => s.id !== id),
        detail: get().detail?.id === id ? null : get().detail,
      });
    },
    async pause(id) {
      return put(await api.pauseSource({ id }));
    },
    async resume(id) {
      return put(await api.resumeSource({ id }));
    },
    async run(id) {
      const r = await api.runSource({ id });
      await get().load();
      if (get().detail?.id === id) await get().open(id);
      return r;
    },
    async map(input) {
      const r = await api.mapSourceId(input);
      await get().open(input.sourceId);
      return r;
    },
    async unmap(input) {
      await api.unmapSourceId(input);
      await get().open(input.sourceId);
    },
  };
});
