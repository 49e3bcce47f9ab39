import type { Db } from './connection.ts';
import { isBusy } from './storage-errors.ts';
import { unsyncedTransaction, withoutWaiting } from './transactions.ts';

export interface JournalEntry {
  at: number;
  requestId: string;
  keyId: number | null;
  accountId: number | null;
  ip: string;
  method: string;
  route: string;
  status: number;
  errorCode: string | null;
  rows: number;
  durationMs: number;
  /** Requests this entry stands for (more than one only for folded refusals: no key, address, rate). */
  count: number;
}

export interface RefusedAddress {
  ip: string;
  count: number;
  lastAt: number;
}

export interface KeyRefusals {
  keyId: number;
  label: string;
  accountName: string;
  code: 'ip_not_allowed' | 'rate_limited';
  count: number;
}

export function journalStatements(db: Db) {
  // Many rows per statement: at thousands of requests a second the per-statement cost dominates.
  const CHUNK = 100;
  const insertSql = (n: number) => `INSERT INTO request_journal
    (at, request_id, key_id, account_id, ip, method, route, status, error_code, rows, duration_ms, count)
    VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
  const insertChunk = db.prepare(insertSql(CHUNK));
  const insertOne = db.prepare(insertSql(1));
  const values = (e: JournalEntry) => [
    e.at,
    e.requestId,
    e.keyId,
    e.accountId,
    e.ip,
    e.method,
    e.route,
    e.status,
    e.errorCode,
    e.rows,
    e.durationMs,
    e.count,
  ];
  const touch = db.prepare(`UPDATE api_keys SET last_used_at = ?, last_used_ip = ?
    WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`);
  const refused = db.prepare(`SELECT ip, sum(count) AS count, max(at) AS lastAt FROM request_journal
    WHERE key_id = ? AND error_code = 'ip_not_allowed' AND at >= ? GROUP BY ip ORDER BY lastAt DESC LIMIT ?`);
  const series = db.prepare(`SELECT (at / @bucket) * @bucket AS at, sum(count) AS requests,
      sum(CASE WHEN status >= 400 THEN count ELSE 0 END) AS errors,
      sum(CASE WHEN status = 429 THEN count ELSE 0 END) AS rateLimited
    FROM request_journal WHERE at >= @from AND at < @to
      AND (@accounts IS NULL OR account_id IN (SELECT value FROM json_each(@accounts))) GROUP BY 1 ORDER BY 1`);
  const byKey =
    db.prepare(`SELECT j.key_id AS keyId, k.label, a.name AS accountName, sum(j.count) AS requests,
      sum(CASE WHEN j.status >= 400 THEN j.count ELSE 0 END) AS errors,
      sum(CASE WHEN j.status = 429 THEN j.count ELSE 0 END) AS rateLimited
    FROM request_journal j JOIN api_keys k ON k.id = j.key_id JOIN accounts a ON a.id = k.account_id
    WHERE j.at >= @from AND j.at < @to AND (@accounts IS NULL OR j.account_id IN (SELECT value FROM json_each(@accounts)))
    GROUP BY j.key_id ORDER BY requests DESC LIMIT 50`);
  const byPartner =
    db.prepare(`SELECT j.account_id AS accountId, a.name AS accountName, sum(j.count) AS requests,
      sum(CASE WHEN j.status >= 400 THEN j.count ELSE 0 END) AS errors
    FROM request_journal j JOIN accounts a ON a.id = j.account_id
    WHERE j.at >= @from AND j.at < @to AND (@accounts IS NULL OR j.account_id IN (SELECT value FROM json_each(@accounts)))
    GROUP BY j.account_id ORDER BY requests DESC LIMIT 50`);
  const refusedCount = db
    .prepare(
      `SELECT count(DISTINCT ip) FROM request_journal
    WHERE error_code = 'ip_not_allowed' AND at >= @from AND at < @to
      AND (@accounts IS NULL OR account_id IN (SELECT value FROM json_each(@accounts)))`,
    )
    .pluck();

  const refusalsByKey = db.prepare(`SELECT j.key_id AS keyId, k.label, a.name AS accountName,
      j.error_code AS code, sum(j.count) AS count
    FROM request_journal j JOIN api_keys k ON k.id = j.key_id JOIN accounts a ON a.id = k.account_id
    WHERE j.at >= ? AND j.error_code IN ('ip_not_allowed', 'rate_limited')
    GROUP BY j.key_id, j.error_code`);

  const writeBatchNow = (entries: readonly JournalEntry[]) => {
    let i = 0;
    for (; i + CHUNK <= entries.length; i += CHUNK)
      insertChunk.run(entries.slice(i, i + CHUNK).flatMap(values));
    for (; i < entries.length; i++) insertOne.run(values(entries[i]!));
    const lastUse = new Map<number, JournalEntry>();
    for (const e of entries) {
      // A key counts as used only when the request got past authentication.
      if (e.keyId !== null && e.status < 400) {
        const seen = lastUse.get(e.keyId);
        if (!seen || seen.at <= e.at) lastUse.set(e.keyId, e);
      }
    }
    for (const [keyId, e] of lastUse) touch.run(e.at, e.ip, keyId, e.at);
  };

  return {
    /**
     * Writes a batch in one transaction and moves each key's last-used time and address. Never
     * waits for the write lock (this runs in a server's event loop): false, at once, when
     * another connection holds it; the caller keeps the batch for the next attempt.
     */
    writeBatch(entries: readonly JournalEntry[]): boolean {
      if (!entries.length) return true;
      try {
        // Bookkeeping: its commit does not wait for the disk on the event loop.
        withoutWaiting(db, () => unsyncedTransaction(db, () => writeBatchNow(entries)));
        return true;
      } catch (e) {
        if (isBusy(e)) return false;
        throw e;
      }
    },
    refusedAddresses(keyId: number, sinceMs: number, limit = 20): RefusedAddress[] {
      return refused.all(keyId, sinceMs, limit) as RefusedAddress[];
    },
    /** Calls refused for a known key since a time, by reason: address not allowed, rate limit. */
    refusalsByKey(sinceMs: number): KeyRefusals[] {
      return refusalsByKey.all(sinceMs) as KeyRefusals[];
    },
    /** Usage in a time range: of every account, or (`accounts`) of these only. */
    usage(
      fromMs: number,
      toMs: number,
      bucketMs: number,
      accounts: readonly number[] | null = null,
    ) {
      const range = {
        from: fromMs,
        to: toMs,
        accounts: accounts === null ? null : JSON.stringify(accounts),
      };
      return {
        series: series.all({ ...range, bucket: BigInt(bucketMs) }) as {
          at: number;
          requests: number;
          errors: number;
          rateLimited: number;
        }[],
        byKey: byKey.all(range) as {
          keyId: number;
          label: string;
          accountName: string;
          requests: number;
          errors: number;
          rateLimited: number;
        }[],
        byPartner: byPartner.all(range) as {
          accountId: number;
          accountName: string;
          requests: number;
          errors: number;
        }[],
        refusedAddresses: refusedCount.get(range) as number,
      };
    },
  };
}

export type JournalStatements = ReturnType<typeof journalStatements>;
