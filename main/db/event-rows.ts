/**
 * Row-level search over clicks, conversions and leads with keyset paging on the row id. Ids
 * only grow (rows are never deleted), so a cursor neither skips nor repeats a row while new
 * rows arrive: a late row lands after every cursor already handed out.
 */
import type { Statement } from 'better-sqlite3';
import { BackgroundThreadStopped, type BackgroundRead, type Checkpointer } from './checkpointer.ts';
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

/**
 * A read of one statement or several, each chosen from what the last answered: written once,
 * it runs on this connection or on the database thread.
 */
type Reading<T> = Generator<BackgroundRead, T, Float64Array | Uint8Array>;

/**
 * The ids of a search's next `limit` rows, in order, read from the index alone, so a long
 * answer is sorted once per window instead of once per page. When they all fit in one window
 * they are sorted outside SQLite, which costs less than its sorter.
 */
function* searchIdsReading(q: EventRowQuery): Reading<Float64Array> {
  const { where, params } = searchWhere(q);
  const bound = { ...params, after: BigInt(q.afterId), limit: BigInt(q.limit + 1) };
  const select = `SELECT id FROM ${q.table} WHERE ${where} AND id > @after`;
  const all = (yield {
    sql: `${select} LIMIT @limit`,
    params: bound,
    as: 'sorted numbers',
  }) as Float64Array;
  if (all.length <= q.limit) return all;
  return (yield {
    sql: `${select} ORDER BY id LIMIT @limit`,
    params: { ...bound, limit: BigInt(q.limit) },
    as: 'numbers',
  }) as Float64Array;
}

/**
 * The rows with these ids as SQLite writes them in JSON: one array of the rows' arrays of
 * values, as UTF-8. Making one text of a part in SQLite costs about half of making a
 * JavaScript value of each of its cells.
 */
function* jsonByIdsReading(
  table: EventTable,
  columns: readonly string[],
  ids: IdList,
): Reading<Uint8Array> {
  const json = (cells: string) => `CAST(json_group_array(json_array(${cells})) AS BLOB)`;
  return (yield {
    sql: ofIds(table, columns, json),
    params: { ids: `[${ids.join(',')}]` },
    as: 'bytes',
  }) as Uint8Array;
}

/** Where a long read runs: the database thread of a serving process, or null (this connection). */
export type ReadThread = Pick<Checkpointer, 'read'> | null;

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
  /** What one statement of a reading answers, read on this connection. */
  const answer = (r: BackgroundRead): Float64Array | Uint8Array => {
    const s = prepared(r.sql, 'pluck');
    if (r.as === 'bytes') return (s.get(r.params) as Uint8Array | undefined) ?? new Uint8Array(0);
    const numbers = new Float64Array(s.all(r.params) as number[]);
    return r.as === 'sorted numbers' ? numbers.sort() : numbers;
  };
  const here = <T>(reading: Reading<T>): T => {
    let step = reading.next();
    while (!step.done) step = reading.next(answer(step.value));
    return step.value;
  };
  /** A reading on the thread, or here once the thread has stopped (or when there is none). */
  const on = async <T>(thread: ReadThread, reading: Reading<T>): Promise<T> => {
    if (!thread) return here(reading);
    let step = reading.next();
    while (!step.done) {
      let answered: Float64Array | Uint8Array;
      try {
        answered = await thread.read(step.value);
      } catch (e) {
        if (!(e instanceof BackgroundThreadStopped)) throw e;
        answered = answer(step.value);
      }
      step = reading.next(answered);
    }
    return step.value;
  };
  return {
    /** The ids of a search's next `limit` rows, in order (`searchIdsReading`). */
    searchIds: (q: EventRowQuery): Float64Array => here(searchIdsReading(q)),
    /** The same, read on `thread` when there is one. */
    searchIdsOn: (thread: ReadThread, q: EventRowQuery): Promise<Float64Array> =>
      on(thread, searchIdsReading(q)),

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
     * The same rows as `byIds`, as SQLite writes them in JSON (`jsonByIdsReading`), read on
     * `thread` when there is one.
     */
    jsonByIdsOn: (
      thread: ReadThread,
      table: EventTable,
      columns: readonly string[],
      ids: IdList,
    ): Promise<Uint8Array> => on(thread, jsonByIdsReading(table, columns, ids)),

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
