/** Rate-limit windows kept across a restart of the partner API listener. */
import type { Db } from './connection.ts';

export interface SavedWindow {
  bucket: string;
  start: number;
  windowMs: number;
  count: number;
}

export function rateWindowStatements(db: Db) {
  const clear = db.prepare(`DELETE FROM rate_limit_windows`);
  const insert = db.prepare(
    `INSERT INTO rate_limit_windows (bucket, window_start, window_ms, count) VALUES (?, ?, ?, ?)`,
  );
  const current = db.prepare(
    `SELECT bucket, window_start AS start, window_ms AS windowMs, count FROM rate_limit_windows
     WHERE window_start + window_ms > ?`,
  );
  return {
    /** Replaces what was saved (call inside a write transaction). */
    replace(windows: readonly SavedWindow[]): void {
      clear.run();
      for (const w of windows) insert.run(w.bucket, w.start, w.windowMs, w.count);
    },
    /** The windows that have not ended at `now`. */
    current(now: number): SavedWindow[] {
      return current.all(now) as SavedWindow[];
    },
  };
}
