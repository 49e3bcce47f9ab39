/**
 * How Partnergate writes. Every write transaction begins IMMEDIATE: it takes the write lock
 * before it reads, so it either waits for the lock up front (the busy timeout applies) or
 * fails before doing anything. A DEFERRED transaction that reads and then writes cannot wait
 * for the lock when another connection committed in between; it fails with "database is
 * locked", which is what admin commands hit while a server took postbacks.
 */
import type { Db } from './connection.ts';

export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/**
 * A write transaction whose commit does not wait for the disk (`synchronous = NORMAL`): the
 * WAL keeps the store whole whatever happens, but a power cut may undo it. For bookkeeping
 * (the request journal, a key's last use), and for writes whose caller syncs afterwards.
 */
export function unsyncedTransaction<T>(db: Db, fn: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return writeTransaction(db, fn);
  } finally {
    if (db.open) db.pragma('synchronous = FULL');
  }
}

const depth = new WeakMap<Db, { count: number; saved: number }>();

/**
 * Runs `fn` with the connection's busy timeout at 0: a write that finds the lock taken fails
 * at once with SQLITE_BUSY (having done nothing, as every write transaction begins IMMEDIATE)
 * instead of blocking the thread, so a process that serves requests can wait for the lock
 * asynchronously. Nested and overlapping (async) calls share one setting.
 */
export function withoutWaiting<T>(db: Db, fn: () => T): T {
  let d = depth.get(db);
  if (!d) {
    d = { count: 0, saved: 0 };
    depth.set(db, d);
  }
  const state = d;
  if (state.count++ === 0) {
    state.saved = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma('busy_timeout = 0');
  }
  const done = () => {
    if (--state.count === 0 && db.open) db.pragma(`busy_timeout = ${state.saved}`);
  };
  let result: T;
  try {
    result = fn();
  } catch (e) {
    done();
    throw e;
  }
  if (result instanceof Promise) return result.finally(done) as T;
  done();
  return result;
}
