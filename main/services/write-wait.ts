/**
 * Waiting for the write lock without blocking the event loop. A process that serves requests
 * (the partner API, the admin UI, the desktop app) never lets SQLite's busy handler sleep on
 * its thread: each attempt runs with a busy timeout of 0, and while another connection holds
 * the lock (an import committing, the CLI, a backup), the next attempt is scheduled a little
 * later, until the caller's patience runs out. Then the caller gets `database_busy`.
 */
import type { Db } from '../db/connection.ts';
import { isBusy, storageError } from '../db/storage-errors.ts';
import { withoutWaiting } from '../db/transactions.ts';

export interface WriteWait {
  /** How long to keep trying, in ms. */
  waitMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function writeWaiter(db: Db, databaseFile: string) {
  return async function whenWritable<T>(fn: () => T | Promise<T>, o: WriteWait): Promise<T> {
    // The clock is read only once the lock is found taken: the global `performance` loads
    // perf_hooks on first use, which a command line call that writes at once never needs.
    let deadline: number | undefined;
    let pause = 5;
    for (;;) {
      try {
        return await withoutWaiting(db, fn);
      } catch (e) {
        if (!isBusy(e)) throw e;
        deadline ??= performance.now() + o.waitMs;
        const left = deadline - performance.now();
        if (left <= 0) throw storageError(e, databaseFile) ?? e;
        await sleep(Math.min(pause, left));
        pause = Math.min(pause * 2, 100);
      }
    }
  };
}

export type WhenWritable = ReturnType<typeof writeWaiter>;
