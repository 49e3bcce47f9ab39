import type { JournalEntry, JournalStatements } from '../db/journal.ts';

/**
 * Request journal off the request path: entries are buffered and written in one transaction
 * per batch (every second, or sooner when the buffer fills), and flushed on close.
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

  /** Refusals without a key, folded per address, route, status, code and second. */
  private anonymous = new Map<string, JournalEntry>();

  record(e: Omit<JournalEntry, 'count'>): void {
    if (e.keyId === null && e.status >= 400) {
      const k = `${e.ip}|${e.route}|${e.status}|${e.errorCode}|${Math.floor(e.at / 1000)}`;
      const seen = this.anonymous.get(k);
      if (seen) {
        seen.count++;
        seen.durationMs += e.durationMs;
        return;
      }
      this.anonymous.set(k, { ...e, count: 1 });
    } else {
      this.buffer.push({ ...e, count: 1 });
    }
    if (this.buffer.length + this.anonymous.size >= this.maxBatch) setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.anonymous.size) {
      for (const e of this.anonymous.values()) this.buffer.push(e);
      this.anonymous.clear();
    }
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      this.statements.writeBatch(batch);
    } catch (e) {
      // Keep the entries for the next attempt (the database may be busy with an import).
      this.buffer = batch.concat(this.buffer).slice(-100_000);
      this.onError(e);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
