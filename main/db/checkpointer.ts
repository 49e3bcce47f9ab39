/**
 * WAL checkpoints off the event loop of a serving process.
 *
 * SQLite checkpoints the WAL on the connection that commits once the WAL passes 1,000 pages:
 * it copies the WAL's pages into the database file and waits for them to reach the disk
 * (fsync). On a serving process that connection's thread is the event loop, so while another
 * process writes much (an import) every postback or journal write would stall every request
 * for as long as that copy and fsync take (hundreds of ms with a busy disk). And while
 * requests keep reading, a checkpoint that never waits never finds a moment to start the WAL
 * over, so it grows for as long as the load lasts.
 *
 * A serving process therefore turns checkpoint-on-commit off for its connections and runs
 * this checkpointer: a worker thread with a connection of its own that, every second, copies
 * what the WAL holds (PASSIVE: it waits for no one) and, once everything is copied and the
 * WAL has grown past a few MB, starts it over (TRUNCATE). Starting over waits briefly for
 * readers to finish and keeps new writers out meanwhile; writers of a serving process never
 * block on that (they retry later), and when readers hold on (a long export) it backs off.
 *
 * A write on a request's path (a postback, an import's final step) commits without waiting for
 * the disk (`synchronous = NORMAL`) and then awaits `sync()`, which fsyncs the WAL on libuv's
 * thread pool — one fsync for every commit made before it began. The answer still waits until
 * the write is on disk; the event loop does not.
 *
 * The same thread runs long reads for the event loop (`read`): a streamed export's ids and the
 * rows of each part, on a read-only connection of its own. The event loop asks for the next
 * part before it writes the one it has, so SQLite reads one part while the loop writes the
 * last as CSV and sends it, and no export's statements hold up other requests. A checkpoint
 * waits for at most one part's read, and a read for at most one checkpoint.
 */
import { createRequire } from 'node:module';

export interface CheckpointerOptions {
  /** How often the WAL is looked at and copied into the database (ms). */
  intervalMs?: number;
  /** A fully copied WAL larger than this is started over (bytes). */
  resetBytes?: number;
  /** How long starting over waits for readers to finish before it tries again later (ms). */
  resetWaitMs?: number;
  /** How long a read waits while the store is locked (ms): it waits on this thread, not the event loop. */
  readWaitMs?: number;
  /** The checkpointer stopped working (it could not start, or failed): checkpoints are again done inline. */
  onFailure?: (message: string) => void;
}

interface CheckpointerSettings {
  file: string;
  driver: string;
  intervalMs: number;
  resetBytes: number;
  resetWaitMs: number;
  readWaitMs: number;
}

/**
 * The worker's program, run as CommonJS (`eval`): it must not import this project's modules,
 * which are bundled differently for the command line and the desktop app.
 */
const WORKER_SOURCE = `
const { parentPort, workerData: o } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(o.driver);
const db = new Database(o.file, { fileMustExist: true, timeout: 0 });
// The database file is synced before the WAL is started over: nothing committed is lost.
db.pragma('synchronous = FULL');
let resetAfter = 0;
let backoff = 0;
const walBytes = () => {
  try { return statSync(o.file + '-wal').size; } catch { return 0; }
};
const tick = () => {
  // { busy, log, checkpointed }: busy when another connection is checkpointing right now.
  const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
  parentPort.postMessage({ kind: 'checkpoint' });
  if (r.busy || r.log <= 0 || r.checkpointed !== r.log) return;
  if (walBytes() <= o.resetBytes || Date.now() < resetAfter) return;
  db.pragma('busy_timeout = ' + o.resetWaitMs);
  const t = db.pragma('wal_checkpoint(TRUNCATE)')[0];
  db.pragma('busy_timeout = 0');
  if (t.busy) {
    backoff = Math.min(backoff ? backoff * 2 : 1000, 60000);
    resetAfter = Date.now() + backoff;
  } else backoff = 0;
  parentPort.postMessage({ kind: 'reset', done: !t.busy });
};
const timer = setInterval(() => {
  try {
    tick();
  } catch (e) {
    // A locked or busy store is tried again at the next tick; anything else is reported.
    if (!/^SQLITE_(BUSY|LOCKED)/.test(String(e && e.code))) {
      clearInterval(timer);
      db.close();
      throw e;
    }
  }
}, o.intervalMs);
// Reads, on a connection opened at the first: only when there are reads does it exist.
let reader = null;
const statements = new Map();
const statement = (sql) => {
  let s = statements.get(sql);
  if (!s) {
    // Searches make many shapes of statement (filters, columns): keep the recent ones.
    if (statements.size >= 64) statements.clear();
    if (!reader) {
      reader = new Database(o.file, { readonly: true, fileMustExist: true, timeout: o.readWaitMs });
      // Its reads go through long ranges once, front to back: the 16 MB page cache the driver
      // gives a connection would keep 16 MB resident for pages the next read does not want,
      // and the system's page cache serves the ones it does. SQLite's own default, 2 MB.
      reader.pragma('cache_size = -2000');
    }
    s = reader.prepare(sql).pluck(true);
    statements.set(sql, s);
  }
  return s;
};
// Many ids below 2^32 are sorted by radix, in two passes of 16 bits: for a long export's
// hundred thousand ids about three times faster than the engine's sort by comparison.
const count = new Uint32Array(65536);
const sortNumbers = (numbers) => {
  const n = numbers.length;
  if (n < 20000) return numbers.sort();
  let from = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = numbers[i];
    if (!(v >= 0 && v < 4294967296 && v === Math.floor(v))) return numbers.sort();
    from[i] = v;
  }
  let to = new Uint32Array(n);
  for (let shift = 0; shift < 32; shift += 16) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(from[i] >>> shift) & 0xffff]++;
    for (let b = 0, sum = 0; b < 65536; b++) {
      const c = count[b];
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) to[count[(from[i] >>> shift) & 0xffff]++] = from[i];
    [from, to] = [to, from];
  }
  numbers.set(from);
  return numbers;
};
const read = (m) => {
  const s = statement(m.sql);
  if (m.as === 'bytes') {
    const bytes = s.get(m.params) ?? new Uint8Array(0);
    // Handed over, not copied, when the bytes are a buffer of their own.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    parentPort.postMessage({ kind: 'read', id: m.id, result: bytes }, own ? [bytes.buffer] : []);
    return;
  }
  const numbers = new Float64Array(s.all(m.params));
  if (m.as === 'sorted numbers') sortNumbers(numbers);
  parentPort.postMessage({ kind: 'read', id: m.id, result: numbers }, [numbers.buffer]);
};
parentPort.on('message', (m) => {
  if (m && m.kind === 'read') {
    try {
      read(m);
    } catch (e) {
      const error = { message: String((e && e.message) || e), code: e && e.code };
      parentPort.postMessage({ kind: 'read', id: m.id, error });
    }
    return;
  }
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  if (reader) reader.close();
  parentPort.close();
});
`;

/**
 * The WAL's frames written so far, on disk (fsync covers the file, whichever descriptor wrote
 * it). No WAL: its pages are in the database file, synced before the WAL was removed.
 */
async function syncWal(file: string): Promise<void> {
  let handle;
  try {
    // Loaded on first use, as the thread's module below: a command that never serves does not load them.
    handle = await process.getBuiltinModule('node:fs/promises').open(`${file}-wal`, 'r+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A statement for the thread to run and what it answers: `numbers`, the first column of every
 * row (`sorted numbers`: in ascending order); `bytes`, the first row's first column (a blob).
 */
export type BackgroundRead =
  | { sql: string; params: Record<string, unknown>; as: 'numbers' | 'sorted numbers' }
  | { sql: string; params: Record<string, unknown>; as: 'bytes' };

/** A read the thread did not answer because it stopped: it can be made on another connection. */
export class BackgroundThreadStopped extends Error {}

/** A read that failed on the thread: SQLite's message and code, as the driver gave them. */
class BackgroundReadError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: unknown) {
    super(message);
    this.name = 'SqliteError';
    this.code = typeof code === 'string' ? code : undefined;
  }
}

export interface Checkpointer {
  /** Resolves once a first checkpoint has run (or the checkpointer failed). */
  readonly started: Promise<void>;
  /** Checkpoints run so far (PASSIVE copies, busy or not), WAL restarts and syncs. */
  counts(): { checkpoints: number; resets: number; syncs: number };
  /** Resolves once every commit made before the call is on disk (the WAL synced, off the event loop). */
  sync(): Promise<void>;
  /**
   * Runs a read-only statement on the thread's own connection. Reads are answered in the order
   * asked; while the thread is gone they fail (the caller reads on its own connection then).
   */
  read(r: BackgroundRead): Promise<Float64Array | Uint8Array>;
  /** Stops the thread; its connections close (the last connection to close checkpoints the WAL). */
  stop(): Promise<void>;
}

type ThreadMessage =
  | { kind: 'checkpoint' }
  | { kind: 'reset'; done: boolean }
  | { kind: 'read'; id: number; result: Uint8Array | Float64Array; error?: undefined }
  | { kind: 'read'; id: number; error: { message: string; code: unknown } };

export function startCheckpointer(file: string, o: CheckpointerOptions = {}): Checkpointer {
  const settings: CheckpointerSettings = {
    file,
    driver: createRequire(import.meta.url).resolve('better-sqlite3'),
    intervalMs: o.intervalMs ?? 1000,
    resetBytes: o.resetBytes ?? 4 * 1024 * 1024,
    resetWaitMs: o.resetWaitMs ?? 100,
    readWaitMs: o.readWaitMs ?? 5000,
  };
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: settings });
  worker.unref();
  let stopping = false;
  let checkpoints = 0;
  let resets = 0;
  let syncs = 0;
  let inFlight: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  /** Commits made while a sync runs may have missed it: they share the one after it. */
  const sync = (): Promise<void> => {
    if (!inFlight) {
      inFlight = syncWal(file)
        .then(() => void syncs++)
        .finally(() => (inFlight = null));
      return inFlight;
    }
    // Whether that sync worked or failed, these callers get one of their own.
    const again = () => {
      next = null;
      return sync();
    };
    next ??= inFlight.then(again, again);
    return next;
  };
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  let lastRead = 0;
  const reads = new Map<
    number,
    { resolve: (answer: Uint8Array | Float64Array) => void; reject: (e: Error) => void }
  >();
  const read = (r: BackgroundRead) =>
    new Promise<Uint8Array | Float64Array>((resolve, reject) => {
      if (stopping) {
        reject(new BackgroundThreadStopped('The database thread has stopped.'));
        return;
      }
      const id = ++lastRead;
      reads.set(id, { resolve, reject });
      // A pending read keeps the process alive, as a read on its own connection would.
      if (reads.size === 1) worker.ref();
      worker.postMessage({ kind: 'read', id, sql: r.sql, params: r.params, as: r.as });
    });
  worker.on('message', (m: ThreadMessage) => {
    if (m.kind === 'read') {
      const asked = reads.get(m.id);
      reads.delete(m.id);
      if (!reads.size) worker.unref();
      if (m.error) asked?.reject(new BackgroundReadError(m.error.message, m.error.code));
      else asked?.resolve(m.result);
    } else if (m.kind === 'checkpoint') {
      checkpoints++;
      markStarted();
    } else if (m.done) resets++;
  });
  const failed = (message: string) => {
    markStarted();
    if (!stopping) o.onFailure?.(message);
    stopping = true;
    for (const asked of reads.values())
      asked.reject(new BackgroundThreadStopped(`The database thread stopped: ${message}.`));
    reads.clear();
  };
  worker.on('error', (e: Error) => failed(e.message));
  worker.on('exit', (code) => failed(`the checkpoint thread ended (exit code ${code})`));
  return {
    started,
    counts: () => ({ checkpoints, resets, syncs }),
    sync,
    read,
    async stop() {
      if (stopping) return;
      stopping = true;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
