/**
 * Imports started from the admin UI: the file arrives first (streamed to disk from a browser,
 * or named by the desktop app's file picker), then runs as a background job whose progress
 * the UI polls. Finished jobs and unused uploads are forgotten after an hour.
 */
import { CLI } from '../../shared/cli-name.ts';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImportJob } from '../../shared/admin-contract.ts';
import { invalid, isPartnergateError, notFound } from '../../shared/errors.ts';
import { storageError } from '../db/storage-errors.ts';
import type {
  ImportDataset,
  ImportMode,
  ImportOptions,
  ImportResult,
  ImportWrites,
} from './imports.ts';

/** The largest file the admin UI uploads; bigger files go through `partnergate import`. */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
/** The rejects CSV handed back to the UI is cut here (the whole file stays on disk). */
const MAX_REJECTS_SHOWN = 5 * 1024 ** 2;
const FORGET_AFTER_MS = 60 * 60_000;

interface Upload {
  path: string;
  name: string;
  bytes: number;
  /** Files the server received are deleted after their import; a desktop user's own file never is. */
  owned: boolean;
  at: number;
}

export interface ImportStart {
  dataset: ImportDataset;
  upload: string;
  mode: ImportMode;
  writes: ImportWrites;
  mapping: Record<string, string>;
  timezone: string;
}

class TooLarge extends Error {}

export function importJobs(
  runImport: (o: ImportOptions) => Promise<ImportResult>,
  now: () => number = Date.now,
) {
  const uploads = new Map<string, Upload>();
  const jobs = new Map<string, { job: ImportJob; at: number }>();
  let dir: string | null = null;
  const uploadDir = () => (dir ??= mkdtempSync(join(tmpdir(), 'partnergate-uploads-')));
  const newId = () => randomBytes(12).toString('base64url');

  function forgetOld(): void {
    const cutoff = now() - FORGET_AFTER_MS;
    for (const [id, u] of uploads)
      if (u.at < cutoff) {
        if (u.owned) rmSync(u.path, { force: true });
        uploads.delete(id);
      }
    for (const [id, j] of jobs) if (j.job.state !== 'running' && j.at < cutoff) jobs.delete(id);
  }

  function take(id: string): Upload {
    const u = uploads.get(id);
    if (!u) throw notFound('upload', id);
    uploads.delete(id);
    return u;
  }

  return {
    /** Streams a file into an upload, refusing it once it passes `maxBytes`. */
    async receive(
      body: Readable,
      name: string,
      maxBytes = MAX_UPLOAD_BYTES,
    ): Promise<{ uploadId: string; bytes: number }> {
      forgetOld();
      const id = newId();
      const path = join(uploadDir(), `${id}.csv`);
      let bytes = 0;
      const cap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          if (bytes > maxBytes) done(new TooLarge());
          else done(null, chunk);
        },
      });
      try {
        await pipeline(body, cap, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
      } catch (e) {
        rmSync(path, { force: true });
        if (e instanceof TooLarge)
          throw invalid(
            'file_too_large',
            `The file is larger than ${Math.round(maxBytes / 1024 ** 2)} MB; import it with \`${CLI} import\` instead.`,
          );
        throw storageError(e, path) ?? e;
      }
      uploads.set(id, {
        path,
        name: basename(name) || 'upload.csv',
        bytes,
        owned: true,
        at: now(),
      });
      return { uploadId: id, bytes };
    },

    /** A file already on this machine (the desktop's file picker): imported where it is. */
    registerLocalFile(path: string): { uploadId: string; bytes: number } {
      forgetOld();
      if (!existsSync(path) || !statSync(path).isFile())
        throw invalid('file_not_found', `There is no file ${path}.`);
      const id = newId();
      const bytes = statSync(path).size;
      uploads.set(id, { path, name: basename(path), bytes, owned: false, at: now() });
      return { uploadId: id, bytes };
    },

    start(input: ImportStart): ImportJob {
      forgetOld();
      const upload = take(input.upload);
      const job: ImportJob = {
        id: newId(),
        dataset: input.dataset,
        fileName: upload.name,
        state: 'running',
        phase: 'reading',
        rowsRead: 0,
        bytesRead: 0,
        bytesTotal: upload.bytes,
        result: null,
        error: null,
      };
      const entry = { job, at: now() };
      jobs.set(job.id, entry);
      const rejectsFile = join(uploadDir(), `${job.id}.rejects.csv`);
      runImport({
        dataset: input.dataset,
        file: upload.path,
        mode: input.mode,
        writes: input.writes,
        mapping: input.mapping,
        timezone: input.timezone,
        rejectsFile,
        onProgress: (rows, bytes, phase) => {
          job.rowsRead = rows;
          job.bytesRead = bytes;
          job.phase = phase;
        },
      })
        .then((r) => {
          job.state = 'done';
          job.bytesRead = job.bytesTotal;
          let rejectsCsv: string | null = null;
          if (r.rejectsFile && existsSync(r.rejectsFile)) {
            const text = readFileSync(r.rejectsFile, 'utf8');
            rejectsCsv =
              text.length > MAX_REJECTS_SHOWN
                ? text.slice(0, text.lastIndexOf('\n', MAX_REJECTS_SHOWN) + 1)
                : text;
          }
          job.result = {
            rowsRead: r.rowsRead,
            imported: r.imported,
            writes: r.writes,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            rejected: r.rejected,
            committed: r.committed,
            ignoredColumns: r.ignoredColumns,
            rejectsCsv,
          };
        })
        .catch((e: unknown) => {
          job.state = 'failed';
          job.error = isPartnergateError(e)
            ? { code: e.code, message: e.message }
            : { code: 'internal_error', message: String(e) };
        })
        .finally(() => {
          entry.at = now();
          rmSync(rejectsFile, { force: true });
          if (upload.owned) rmSync(upload.path, { force: true });
        });
      return { ...job };
    },

    status(id: string): ImportJob {
      const entry = jobs.get(id);
      if (!entry) throw notFound('import', id);
      return { ...entry.job };
    },

    /** Removes every file this manager still holds (the server is stopping). */
    close(): void {
      for (const u of uploads.values()) if (u.owned) rmSync(u.path, { force: true });
      uploads.clear();
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = null;
    },
  };
}

export type ImportJobs = ReturnType<typeof importJobs>;
