import type { JournalEntry, JournalStatements } from '../db/journal.ts';

/**
 * Request journal off the request path: entries are buffered and written in one transaction
 * per batch (every second, or sooner when the buffer fills), and flushed on close. A write
 * never waits for the lock: while another process holds it, the batch stays buffered.
 */
export class RequestJournal {
  private buffer: JournalEntry[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly statements: JournalStatements;
  private readonly maxBatch: number;
  private readonly onError: (e: unknown) => void;

  constructor(
    statements: JournalStatements,
    o: { intervalMs?: number; maxBatch?: number; onError?: (e: unknown) => void } = {},
  ) {
    this.statements = statements;
    this.maxBatch = o.maxBatch ?? 1000;
    this.onError = o.onError ?? (() => {});
    this.timer = setInterval(() => this.flush(), o.intervalMs ?? 1000);
    this.timer.unref();
  }

  /**
   * Calls folded per key, address, method, route, status, code and second: every answered
   * call, and the refusals a flood is made of (no key, a key from an address it may not use or
   * over its rate limit). A partner polling hard, or a flood of bad requests, is a few rows a
   * second, not one per request; every view sums `count`. Failures a person may ask about (a
   * bad parameter, the server's own error) keep a row each, with their request id. The entry
   * is kept as given, not copied.
   */
  private folded = new Map<string, JournalEntry>();
  /**
   * The folded entry the last call joined or started: a flood or a partner's polls repeat it
   * call after call, so it is recognised without building the fold's key.
   */
  private last: JournalEntry | null = null;

  record(e: Omit<JournalEntry, 'count'>): void {
    const entry = e as JournalEntry;
    entry.count = 1;
    if (
      e.status < 400 ||
      e.keyId === null ||
      e.errorCode === 'ip_not_allowed' ||
      e.errorCode === 'rate_limited'
    ) {
      const second = Math.floor(e.at / 1000);
      let seen: JournalEntry | null | undefined = this.last;
      if (
        seen === null ||
        second !== Math.floor(seen.at / 1000) ||
        seen.keyId !== e.keyId ||
        seen.ip !== e.ip ||
        seen.route !== e.route ||
        seen.status !== e.status ||
        seen.errorCode !== e.errorCode ||
        seen.method !== e.method
      ) {
        const k = `${e.keyId}|${e.ip}|${e.method}|${e.route}|${e.status}|${e.errorCode}|${second}`;
        seen = this.folded.get(k);
        if (!seen) this.folded.set(k, entry);
        this.last = seen ?? entry;
      }
      if (seen) {
        seen.count++;
        seen.rows += e.rows;
        seen.durationMs += e.durationMs;
        return;
      }
    } else {
      this.buffer.push(entry);
    }
    if (this.buffer.length + this.folded.size >= this.maxBatch) setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.folded.size) {
      for (const e of this.folded.values()) this.buffer.push(e);
      this.folded.clear();
      this.last = null;
    }
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    const keep = () => {
      // Kept for the next attempt (the store may be busy with an import, or its disk full).
      this.buffer = batch.concat(this.buffer).slice(-100_000);
    };
    try {
      if (!this.statements.writeBatch(batch)) keep();
    } catch (e) {
      keep();
      this.onError(e);
    }
  }

  /** Stops the timer and writes what is buffered, waiting up to `waitMs` for the write lock. */
  async close(waitMs = 10_000): Promise<void> {
    clearInterval(this.timer);
    const deadline = performance.now() + waitMs;
    for (;;) {
      this.flush();
      if (this.buffer.length === 0 || performance.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.buffer.length)
      this.onError(new Error(`${this.buffer.length} journal entries could not be written`));
  }
}
