import { create } from 'zustand';
import type { ImportJob, ImportPreview } from '../../../../shared/admin-contract.ts';
import { api, uploadFile } from '../../lib/api.ts';

type Dataset = ImportJob['dataset'];

interface ImportState {
  dataset: Dataset;
  file: File | null;
  preview: ImportPreview | null;
  mapping: Record<string, string>;
  mode: 'all-or-nothing' | 'skip-invalid';
  /** A row already stored takes the file's status and amounts (a later export). */
  upsert: boolean;
  job: ImportJob | null;
  setDataset: (d: Dataset) => Promise<void>;
  choose: (file: File | null) => Promise<void>;
  map: (field: string, header: string | null) => void;
  setMode: (m: ImportState['mode']) => void;
  setUpsert: (on: boolean) => void;
  start: () => Promise<void>;
  reset: () => void;
}

export const useImport = create<ImportState>((set, get) => {
  const previewOf = async (file: File, dataset: Dataset) => {
    const preview = await api.previewImport({
      dataset,
      head: await file.slice(0, 64 * 1024).text(),
    });
    set({ preview, mapping: preview.mapping });
  };
  return {
    dataset: 'conversions',
    file: null,
    preview: null,
    mapping: {},
    mode: 'all-or-nothing',
    upsert: false,
    job: null,
    async setDataset(dataset) {
      set({ dataset });
      const f = get().file;
      if (f) await previewOf(f, dataset);
    },
    async choose(file) {
      set({ file, preview: null, job: null });
      if (file) await previewOf(file, get().dataset);
    },
    map(field, header) {
      const mapping = { ...get().mapping };
      if (header) mapping[field] = header;
      else delete mapping[field];
      set({ mapping });
    },
    setMode: (mode) => set({ mode }),
    setUpsert: (upsert) => set({ upsert }),
    async start() {
      const { file, dataset, mapping, mode, upsert } = get();
      if (!file) return;
      const { uploadId } = await uploadFile(file);
      let job = await api.startImport({
        dataset,
        upload: uploadId,
        mapping,
        mode,
        writes: upsert && dataset !== 'clicks' ? 'upsert' : 'insert-only',
      });
      set({ job });
      while (job.state === 'running') {
        await new Promise((r) => setTimeout(r, 250));
        job = await api.importStatus({ id: job.id });
        set({ job });
      }
    },
    reset: () => set({ file: null, preview: null, job: null, mapping: {} }),
  };
});
