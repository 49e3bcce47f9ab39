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

  record(e: JournalEntry): void {
    this.buffer.push(e);
    if (this.buffer.length >= this.maxBatch) setImmediate(() => this.flush());
  }

  flush(): void {
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
