/**
 * The rejects file of an import: each rejected row with its line and the reason, written
 * through the one CSV writer. It is written beside its target as `<target>.partial` and renamed
 * into place only when the import's outcome is final, so an interrupted import never leaves a
 * rejects file that looks complete (nor an earlier run's file that could pass for this one's).
 */
import { once } from 'node:events';
import {
  closeSync,
  createWriteStream,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  type WriteStream,
} from 'node:fs';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { csvRecords } from '../../shared/csv.ts';

export interface RejectsFile {
  /** Rows written so far. */
  readonly count: number;
  write(
    line: number,
    reason: string,
    record: Record<string, string>,
    headers: readonly string[],
  ): Promise<void>;
  /** Makes the file final (flushed to disk, then renamed into place); null when nothing was rejected. */
  commit(): Promise<string | null>;
  /** Drops what was written (the import failed as a whole). */
  discard(): Promise<void>;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function openRejectsFile(target: string): RejectsFile {
  const partial = `${target}.partial`;
  // An earlier run's file describes that run; it must not outlive the start of this one.
  rmSync(target, { force: true });
  rmSync(partial, { force: true });
  let out: WriteStream | null = null;
  let count = 0;
  const close = async () => {
    if (!out) return;
    const o = out;
    out = null;
    o.end();
    await finished(o);
  };
  return {
    get count() {
      return count;
    },
    async write(line, reason, record, headers) {
      if (!out) {
        out = createWriteStream(partial, { flags: 'wx' });
        out.write(csvRecords([['line', 'reason', ...headers]]));
      }
      count++;
      const text = csvRecords([[line, reason, ...headers.map((h) => record[h] ?? '')]]);
      if (!out.write(text)) await once(out, 'drain');
    },
    async commit() {
      if (count === 0) return null;
      await close();
      fsyncPath(partial);
      renameSync(partial, target);
      try {
        fsyncPath(dirname(target));
      } catch {
        // Directories cannot be opened for fsync on every platform (Windows); the rename stands.
      }
      return target;
    },
    async discard() {
      await close();
      rmSync(partial, { force: true });
    },
  };
}
