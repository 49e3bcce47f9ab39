/**
 * The statement-time cap. better-sqlite3 cannot interrupt a statement once it runs, so a
 * statement over raw rows is judged before it starts by how many rows it would read, counted
 * from the hourly rollups; reading about two million rows takes a few seconds on a laptop.
 */
import { invalid } from '../../shared/errors.ts';
import type { ReportQueryRunner, ScanEstimate } from '../db/report-query.ts';

export const DEFAULT_MAX_SCAN_ROWS = 2_000_000;

/** Per-request caps a front door may set (the partner API's listener options). */
export interface QueryLimits {
  /** Longest date range, in days. */
  maxDays?: number | undefined;
  /** Most raw rows one statement may read. */
  maxScanRows?: number | undefined;
}

export function assertScanWithinBudget(
  runner: ReportQueryRunner,
  q: ScanEstimate,
  max = DEFAULT_MAX_SCAN_ROWS,
): void {
  const rows = runner.estimateRawRows(q);
  if (rows > max) {
    throw invalid(
      'query_too_large',
      `This would read about ${rows.toLocaleString('en-US')} rows (at most ${max.toLocaleString('en-US')} in one request): shorten the range, or group and filter by time, offer and partner only, which are answered from hourly totals.`,
    );
  }
}
