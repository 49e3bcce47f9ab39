/**
 * Row-level search over clicks, conversions and leads with keyset paging on the row id. Ids
 * only grow (rows are never deleted), so a cursor neither skips nor repeats a row while new
 * rows arrive: a late row lands after every cursor already handed out.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './connection.ts';

import { perTable, rowFilters, type EventTable } from '../../shared/report-catalog.ts';

export type { EventTable };

export const EVENT_COLUMNS: Record<EventTable, readonly string[]> = {
  clicks: [
    'id',
    'ts',
    'partner_id',
    'offer_id',
    'sub1',
    'sub2',
    'sub3',
    'sub4',
    'sub5',
    'country',
    'device',
    'click_id',
  ],
  conversions: [
    'id',
    'ts',
    'partner_id',
    'offer_id',
    'status',
    'revenue',
    'payout',
    'sale_amount',
    'currency',
    'sub1',
    'sub2',
    'sub3',
    'sub4',
    'sub5',
    'country',
    'device',
    'click_id',
    'transaction_id',
    'updated_at',
  ],
  leads: [
    'id',
    'registered_at',
    'partner_id',
    'offer_id',
    'lead_ref',
    'country',
    'status',
    'ftd_at',
    'ftd_amount',
    'deposits',
    'withdrawals',
    'net_deposits',
    'volume_centilots',
    'commission',
    'currency',
    'updated_at',
  ],
};

/** Columns that can be searched with an IN list, per table (the catalog's row filters). */
export const EVENT_FILTERS: Record<EventTable, readonly string[]> = perTable((t) =>
  rowFilters(t).map((d) => d.column!),
);

export interface EventRowQuery {
  table: EventTable;
  partnerIds: readonly number[] | null;
  startMs: number;
  endMs: number;
  /** Rows with an id above this one (the cursor). */
  afterId: number;
  limit: number;
  /** Column → allowed values. */
  filters: Readonly<Record<string, readonly (string | number)[]>>;
  /** Only rows stored or changed at or after this time (conversions and leads). */
  updatedSinceMs?: number | undefined;
}

export type EventRow = Record<string, string | number | null>;

export function eventRowStatements(db: Db) {
  const cache = new Map<string, Statement>();
  const prepared = (sql: string) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return {
    search(q: EventRowQuery): EventRow[] {
      const time = q.table === 'leads' ? 'registered_at' : 'ts';
      const where = [`${time} >= @start`, `${time} < @end`, 'id > @after'];
      const params: Record<string, bigint | string> = {
        start: BigInt(q.startMs),
        end: BigInt(q.endMs),
        after: BigInt(q.afterId),
        limit: BigInt(q.limit),
      };
      if (q.updatedSinceMs !== undefined) {
        where.push('updated_at >= @since');
        params.since = BigInt(q.updatedSinceMs);
      }
      if (q.partnerIds !== null) {
        where.push('partner_id IN (SELECT value FROM json_each(@partners))');
        params.partners = JSON.stringify(q.partnerIds);
      }
      const names = Object.keys(q.filters)
        .filter((f) => EVENT_FILTERS[q.table].includes(f))
        .sort();
      for (const f of names) {
        where.push(`${f} IN (SELECT value FROM json_each(@f_${f}))`);
        params[`f_${f}`] = JSON.stringify(q.filters[f]);
      }
      const sql = `SELECT ${EVENT_COLUMNS[q.table].join(', ')} FROM ${q.table} WHERE ${where.join(' AND ')} ORDER BY id LIMIT @limit`;
      return prepared(sql).all(params) as EventRow[];
    },

    /** The conversions recorded under one transaction id (one per partner at most), by id. */
    byTransaction(transactionId: string, partnerIds: readonly number[] | null): EventRow[] {
      const sql = `SELECT ${EVENT_COLUMNS.conversions.join(', ')} FROM conversions WHERE transaction_id = @txn${
        partnerIds === null ? '' : ' AND partner_id IN (SELECT value FROM json_each(@partners))'
      } ORDER BY id LIMIT 100`;
      return prepared(sql).all({
        txn: transactionId,
        ...(partnerIds !== null && { partners: JSON.stringify(partnerIds) }),
      }) as EventRow[];
    },
  };
}

export type EventRowStatements = ReturnType<typeof eventRowStatements>;
