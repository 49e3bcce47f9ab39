/**
 * Builds and runs the aggregate SQL behind every report. The shape of a statement depends only
 * on the dataset, the grouping, the filters' fields and the number of offset segments, never on
 * values, so statements are prepared once per shape and reused.
 */
import type { Dataset, TimeGrain } from '../../shared/report-catalog.ts';
import type { Db } from './connection.ts';
import type { Statement } from 'better-sqlite3';

export interface QueryFilter {
  /** A filterable dimension id. */
  field: string;
  op: 'in' | 'not_in' | 'contains';
  values: readonly string[];
}

export interface ReportQuery {
  dataset: Dataset;
  /** Dimension ids to group by, in order. */
  groupBy: readonly string[];
  /** Adds the row's currency to the grouping (reports with money in them). */
  byCurrency: boolean;
  filters: readonly QueryFilter[];
  /** `null`: every partner (an employee with full access). */
  partnerIds: readonly number[] | null;
  startMs: number;
  endMs: number;
  segments: readonly { untilMs: number; offsetMs: number }[];
}

/** One grouped row: dimension keys as the SQL produced them plus the base aggregates. */
export type AggregateRow = Record<string, string | number | null>;

/** Base aggregates each table contributes; the derived metrics are computed from these. */
export const BASE_AGGREGATES: Record<Dataset, readonly string[]> = {
  performance: [
    'clicks',
    'conversions',
    'approved',
    'pending',
    'rejected',
    'payout',
    'pending_payout',
    'revenue',
    'sale_amount',
  ],
  clicks: ['clicks'],
  conversions: [
    'conversions',
    'approved',
    'pending',
    'rejected',
    'payout',
    'pending_payout',
    'revenue',
    'sale_amount',
  ],
  leads: [
    'leads',
    'ftd',
    'ftd_amount',
    'deposits',
    'withdrawals',
    'net_deposits',
    'volume_centilots',
    'commission',
  ],
};

type Table = 'clicks' | 'conversions' | 'leads';

const TIME_COLUMN: Record<Table, string> = {
  clicks: 'ts',
  conversions: 'ts',
  leads: 'registered_at',
};

const TABLE_AGGREGATES: Record<Table, Record<string, string>> = {
  clicks: { clicks: 'count(*)' },
  conversions: {
    conversions: 'count(*)',
    approved: `sum(status = 'approved')`,
    pending: `sum(status = 'pending')`,
    rejected: `sum(status = 'rejected')`,
    payout: `sum(CASE WHEN status = 'approved' THEN payout ELSE 0 END)`,
    pending_payout: `sum(CASE WHEN status = 'pending' THEN payout ELSE 0 END)`,
    revenue: `sum(CASE WHEN status = 'approved' THEN revenue ELSE 0 END)`,
    sale_amount: `sum(CASE WHEN status = 'approved' THEN sale_amount ELSE 0 END)`,
  },
  leads: {
    leads: 'count(*)',
    ftd: 'count(ftd_at)',
    ftd_amount: 'sum(ftd_amount)',
    deposits: 'sum(deposits)',
    withdrawals: 'sum(withdrawals)',
    net_deposits: 'sum(deposits - withdrawals)',
    volume_centilots: 'sum(volume_centilots)',
    commission: 'sum(commission)',
  },
};

const GRAIN: Partial<Record<string, TimeGrain>> = {
  hour: 'hour',
  day: 'day',
  week: 'week',
  month: 'month',
};
const PLAIN_COLUMNS = new Set([
  'sub1',
  'sub2',
  'sub3',
  'sub4',
  'sub5',
  'country',
  'device',
  'status',
]);

function tablesOf(dataset: Dataset): Table[] {
  return dataset === 'performance' ? ['clicks', 'conversions'] : [dataset];
}

function localTimeExpr(table: Table, segmentCount: number): string {
  const ts = TIME_COLUMN[table];
  if (segmentCount === 1) return `(${ts} + @o0)`;
  const cases = Array.from(
    { length: segmentCount - 1 },
    (_, i) => `WHEN ${ts} < @t${i} THEN ${ts} + @o${i}`,
  );
  return `(CASE ${cases.join(' ')} ELSE ${ts} + @o${segmentCount - 1} END)`;
}

function dimensionExpr(id: string, table: Table, segmentCount: number): string {
  const grain = GRAIN[id];
  if (grain) {
    const local = localTimeExpr(table, segmentCount);
    switch (grain) {
      case 'hour':
        return `${local} / 3600000`;
      case 'day':
        return `${local} / 86400000`;
      case 'week':
        return `(${local} / 86400000 + 3) / 7`;
      case 'month':
        return `strftime('%Y-%m', ${local} / 1000, 'unixepoch')`;
    }
  }
  if (id === 'partner') return 'partner_id';
  if (id === 'offer') return 'offer_id';
  if (PLAIN_COLUMNS.has(id)) return id;
  throw new Error(`No SQL for dimension ${id}`);
}

function filterExpr(f: QueryFilter, index: number): string {
  const column = f.field === 'partner' ? 'partner_id' : f.field === 'offer' ? 'offer_id' : f.field;
  if (!PLAIN_COLUMNS.has(column) && column !== 'partner_id' && column !== 'offer_id') {
    throw new Error(`No SQL for filter ${f.field}`);
  }
  const list = column.endsWith('_id')
    ? `(SELECT CAST(value AS INTEGER) FROM json_each(@f${index}))`
    : `(SELECT value FROM json_each(@f${index}))`;
  switch (f.op) {
    case 'in':
      return `${column} IN ${list}`;
    case 'not_in':
      return `(${column} IS NULL OR ${column} NOT IN ${list})`;
    case 'contains':
      return `EXISTS (SELECT 1 FROM json_each(@f${index}) WHERE instr(lower(${column}), lower(value)) > 0)`;
  }
}

function branchSql(table: Table, q: ReportQuery, aggregates: readonly string[]): string {
  const n = q.segments.length;
  const ts = TIME_COLUMN[table];
  const select = q.groupBy.map((d, i) => `${dimensionExpr(d, table, n)} AS d${i}`);
  const group = q.groupBy.map((_, i) => `d${i}`);
  if (q.byCurrency) {
    if (table === 'clicks') {
      // A click has no currency of its own: it is in its offer's.
      select.push(`(SELECT o.currency FROM offers o WHERE o.id = clicks.offer_id) AS currency`);
      group.push('clicks.offer_id');
    } else {
      select.push('currency');
      group.push('currency');
    }
  }
  const own = TABLE_AGGREGATES[table];
  for (const a of aggregates) select.push(`${own[a] ?? '0'} AS ${a}`);
  const where = [`${ts} >= @start`, `${ts} < @end`];
  if (q.partnerIds !== null) {
    where.push(
      q.partnerIds.length === 1
        ? 'partner_id = @partner'
        : 'partner_id IN (SELECT value FROM json_each(@partners))',
    );
  }
  q.filters.forEach((f, i) => where.push(filterExpr(f, i)));
  return `SELECT ${select.join(', ')} FROM ${table} WHERE ${where.join(' AND ')}${
    group.length ? ` GROUP BY ${group.join(', ')}` : ''
  }`;
}

export function buildReportSql(q: ReportQuery): string {
  const aggregates = BASE_AGGREGATES[q.dataset];
  const tables = tablesOf(q.dataset);
  if (tables.length === 1) return branchSql(tables[0]!, q, aggregates);
  const keys = q.groupBy.map((_, i) => `d${i}`);
  if (q.byCurrency) keys.push('currency');
  const outer = [...keys, ...aggregates.map((a) => `sum(${a}) AS ${a}`)];
  const union = tables.map((t) => branchSql(t, q, aggregates)).join(' UNION ALL ');
  return `SELECT ${outer.join(', ')} FROM (${union})${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''}`;
}

export function reportQueryRunner(db: Db) {
  const cache = new Map<string, Statement>();
  const MAX_CACHED = 256;
  const prepare = (sql: string): Statement => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  return {
    /** Runs the grouped aggregate; each row has `d0…dn`, `currency` when asked, and the base aggregates. */
    run(q: ReportQuery): AggregateRow[] {
      // better-sqlite3 binds JS numbers as REAL; BigInt keeps the bucket arithmetic in integers.
      const params: Record<string, bigint | string> = {
        start: BigInt(q.startMs),
        end: BigInt(q.endMs),
      };
      q.segments.forEach((s, i) => {
        params[`o${i}`] = BigInt(s.offsetMs);
        if (i < q.segments.length - 1) params[`t${i}`] = BigInt(s.untilMs);
      });
      if (q.partnerIds !== null) {
        if (q.partnerIds.length === 1) params.partner = BigInt(q.partnerIds[0]!);
        else params.partners = JSON.stringify(q.partnerIds);
      }
      q.filters.forEach((f, i) => (params[`f${i}`] = JSON.stringify(f.values)));
      return prepare(buildReportSql(q)).all(params) as AggregateRow[];
    },
  };
}

export type ReportQueryRunner = ReturnType<typeof reportQueryRunner>;
