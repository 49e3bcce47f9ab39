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
/** A stored row's values in the order of its table's `EVENT_COLUMNS`. */
export type EventValues = (string | number | null)[];

/** The WHERE clause of a search and its parameters (without paging). */
function searchWhere(q: Omit<EventRowQuery, 'afterId' | 'limit'>) {
  const time = q.table === 'leads' ? 'registered_at' : 'ts';
  const where = [`${time} >= @start`, `${time} < @end`];
  const params: Record<string, bigint | string> = {
    start: BigInt(q.startMs),
    end: BigInt(q.endMs),
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
  return { where: where.join(' AND '), params };
}

/** Row ids, as a list or a typed array. */
type IdList = ArrayLike<number> & { join(separator: string): string };

/**
 * A statement over the rows whose ids `@ids` lists (as JSON), in that order: the ids' list
 * drives the loop (CROSS JOIN fixes the order), and `select` makes what is selected of the
 * rows' `columns`.
 */
function ofIds(table: EventTable, columns: readonly string[], select: (cells: string) => string) {
  const cells = columns.map((c) => `t.${c}`).join(', ');
  return `SELECT ${select(cells)} FROM json_each(@ids) AS j CROSS JOIN ${table} AS t ON t.id = j.value`;
}

export function eventRowStatements(db: Db) {
  const cache = new Map<string, Statement>();
  /** A statement prepared once, answering rows as values (`raw`) or one column's (`pluck`). */
  const prepared = (sql: string, mode: 'raw' | 'pluck') => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      if (mode === 'raw') s.raw(true);
      else s.pluck(true);
      cache.set(sql, s);
    }
    return s;
  };
  return {
    /**
     * The ids of a search's next `limit` rows, in order, read from the index alone, so a long
     * answer is sorted once per window instead of once per page. When they all fit in one
     * window they are sorted here, which costs less than SQLite's sorter.
     */
    searchIds(q: EventRowQuery): Float64Array {
      const { where, params } = searchWhere(q);
      const bound = { ...params, after: BigInt(q.afterId), limit: BigInt(q.limit + 1) };
      const select = `SELECT id FROM ${q.table} WHERE ${where} AND id > @after`;
      const all = prepared(`${select} LIMIT @limit`, 'pluck').all(bound) as number[];
      if (all.length <= q.limit) return new Float64Array(all).sort();
      return new Float64Array(
        prepared(`${select} ORDER BY id LIMIT @limit`, 'pluck').all({
          ...bound,
          limit: BigInt(q.limit),
        }) as number[],
      );
    },

    /**
     * The rows with these ids (ascending), in that order, each as the values of `columns`. The ids' list
     * drives the loop (CROSS JOIN fixes the order), so nothing is sorted.
     */
    byIds(table: EventTable, columns: readonly string[], ids: IdList): EventValues[] {
      return prepared(
        ofIds(table, columns, (cells) => cells),
        'raw',
      ).all({
        ids: `[${ids.join(',')}]`,
      }) as EventValues[];
    },

    /**
     * The same rows as `byIds`, as SQLite writes them in JSON: one array of the rows' arrays
     * of values, as UTF-8. Making one text of a part in SQLite costs about half of making a
     * JavaScript value of each of its cells.
     */
    jsonByIds(table: EventTable, columns: readonly string[], ids: IdList): Uint8Array {
      const json = (cells: string) => `CAST(json_group_array(json_array(${cells})) AS BLOB)`;
      return prepared(ofIds(table, columns, json), 'pluck').get({
        ids: `[${ids.join(',')}]`,
      }) as Uint8Array;
    },

    /** The conversions recorded under one transaction id (one per partner at most), by id. */
    byTransaction(transactionId: string, partnerIds: readonly number[] | null): EventValues[] {
      const sql = `SELECT ${EVENT_COLUMNS.conversions.join(', ')} FROM conversions WHERE transaction_id = @txn${
        partnerIds === null ? '' : ' AND partner_id IN (SELECT value FROM json_each(@partners))'
      } ORDER BY id LIMIT 100`;
      return prepared(sql, 'raw').all({
        txn: transactionId,
        ...(partnerIds !== null && { partners: JSON.stringify(partnerIds) }),
      }) as EventValues[];
    },
  };
}

export type EventRowStatements = ReturnType<typeof eventRowStatements>;
