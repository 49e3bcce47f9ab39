/**
 * Builds and runs the aggregate SQL behind every report. The shape of a statement depends only
 * on the dataset, the grouping, the filters' fields and the number of offset segments, never on
 * values, so statements are prepared once per shape and reused.
 */
import {
  DATASET_TABLES,
  DIMENSIONS,
  datasetAggregates,
  perDataset,
  rowCountOf,
  type BaseAggregateId,
  type Dataset,
} from '../../shared/report-catalog.ts';
import type { Db } from './connection.ts';
import type { Statement } from 'better-sqlite3';
import { TABLE_AGGREGATES, type Table } from './aggregates.ts';

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
  /** Read the raw rows even where the hourly rollups could answer (tests compare the two). */
  forceRaw?: boolean;
}

/** One grouped row: dimension keys as the SQL produced them plus the base aggregates. */
export type AggregateRow = Record<string, string | number | null>;

/** Base aggregates each dataset's rows sum into; the metrics are computed from these. */
export const BASE_AGGREGATES: Record<Dataset, readonly BaseAggregateId[]> =
  perDataset(datasetAggregates);

const TIME_COLUMN: Record<Table, string> = {
  clicks: 'ts',
  conversions: 'ts',
  leads: 'registered_at',
};

const DIMENSION = new Map(DIMENSIONS.map((d) => [d.id, d]));

/** The raw column a dimension reads (or filters), as the catalog says. */
function columnOf(id: string): string {
  const column = DIMENSION.get(id)?.column;
  if (!column) throw new Error(`No SQL for dimension ${id}`);
  return column;
}

function tablesOf(dataset: Dataset): Table[] {
  return [...DATASET_TABLES[dataset]];
}

function localTimeExpr(ts: string, segmentCount: number): string {
  if (segmentCount === 1) return `(${ts} + @o0)`;
  const cases = Array.from(
    { length: segmentCount - 1 },
    (_, i) => `WHEN ${ts} < @t${i} THEN ${ts} + @o${i}`,
  );
  return `(CASE ${cases.join(' ')} ELSE ${ts} + @o${segmentCount - 1} END)`;
}

function dimensionExpr(id: string, ts: string, segmentCount: number): string {
  const grain = DIMENSION.get(id)?.grain;
  if (grain) {
    const local = localTimeExpr(ts, segmentCount);
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
  return columnOf(id);
}

function filterExpr(f: QueryFilter, index: number): string {
  const column = columnOf(f.field);
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
  const select = q.groupBy.map((d, i) => `${dimensionExpr(d, ts, n)} AS d${i}`);
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
  for (const a of aggregates) select.push(`${own[a as BaseAggregateId] ?? '0'} AS ${a}`);
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

const HOUR_MS = 3_600_000;
/** The columns the hourly rollups are keyed by, besides the hour and the currency. */
const ROLLUP_KEYS = new Set(['partner_id', 'offer_id']);
const ROLLUP_FILTERS = new Set(
  DIMENSIONS.filter((d) => d.column !== null && ROLLUP_KEYS.has(d.column)).map((d) => d.id),
);
const ROLLUP_DIMENSIONS = new Set([
  ...ROLLUP_FILTERS,
  ...DIMENSIONS.filter((d) => d.grain).map((d) => d.id),
]);

/**
 * The hourly rollups can answer when the report groups and filters only by time, offer and
 * partner, and the range and its offsets fall on whole hours (every whole-hour time zone).
 */
export function rollupEligible(q: ReportQuery): boolean {
  return (
    q.groupBy.every((d) => ROLLUP_DIMENSIONS.has(d)) &&
    q.filters.every((f) => ROLLUP_FILTERS.has(f.field) && f.op !== 'contains') &&
    q.startMs % HOUR_MS === 0 &&
    q.endMs % HOUR_MS === 0 &&
    q.segments.every((s) => s.offsetMs % HOUR_MS === 0 && s.untilMs % HOUR_MS === 0)
  );
}

/** Which rows a rollup group stands for in each dataset (an hour may have conversions but no clicks). */
const ROLLUP_PRESENT = perDataset(
  (d) => `${DATASET_TABLES[d].map((t) => `sum(${rowCountOf(t)})`).join(' + ')} > 0`,
);

function rollupSql(q: ReportQuery): string {
  const n = q.segments.length;
  const ts = `(hour * ${HOUR_MS})`;
  const select = q.groupBy.map((d, i) => `${dimensionExpr(d, ts, n)} AS d${i}`);
  const group = q.groupBy.map((_, i) => `d${i}`);
  if (q.byCurrency) {
    select.push('currency');
    group.push('currency');
  }
  for (const a of BASE_AGGREGATES[q.dataset]) select.push(`sum(${a}) AS ${a}`);
  const where = ['hour >= @startHour', 'hour < @endHour'];
  // Over every partner with no partner column or filter, the all-partner rollup answers alone.
  const allPartners =
    q.partnerIds === null &&
    !q.groupBy.includes('partner') &&
    !q.filters.some((f) => f.field === 'partner');
  if (q.partnerIds !== null) {
    where.push(
      q.partnerIds.length === 1
        ? 'partner_id = @partner'
        : 'partner_id IN (SELECT value FROM json_each(@partners))',
    );
  } else if (!allPartners) {
    // One range scan per partner on the (partner_id, hour, …) key beats scanning every hour.
    where.push(`partner_id IN (SELECT id FROM accounts WHERE kind <> 'employee')`);
  }
  q.filters.forEach((f, i) => where.push(filterExpr(f, i)));
  const table = `${q.dataset === 'leads' ? 'leads' : 'traffic'}_hourly${allPartners ? '_all' : ''}`;
  return `SELECT ${select.join(', ')} FROM ${table} WHERE ${where.join(' AND ')}${
    group.length ? ` GROUP BY ${group.join(', ')}` : ''
  } HAVING ${ROLLUP_PRESENT[q.dataset]}`;
}

export function buildReportSql(q: ReportQuery): string {
  if (!q.forceRaw && rollupEligible(q)) return rollupSql(q);
  const aggregates = BASE_AGGREGATES[q.dataset];
  const tables = tablesOf(q.dataset);
  // A click takes its offer's currency, so its branch groups by offer too and needs regrouping.
  const regroup = tables.length > 1 || (q.byCurrency && tables[0] === 'clicks');
  if (!regroup) return branchSql(tables[0]!, q, aggregates);
  const keys = q.groupBy.map((_, i) => `d${i}`);
  if (q.byCurrency) keys.push('currency');
  const outer = [...keys, ...aggregates.map((a) => `sum(${a}) AS ${a}`)];
  const union = tables.map((t) => branchSql(t, q, aggregates)).join(' UNION ALL ');
  return `SELECT ${outer.join(', ')} FROM (${union})${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''}`;
}

/** Raw rows in a time range for a set of partners, counted from the hourly rollups. */
export interface ScanEstimate {
  dataset: Dataset;
  partnerIds: readonly number[] | null;
  startMs: number;
  endMs: number;
}

export function reportQueryRunner(db: Db) {
  const trafficRows = {
    all: db
      .prepare(
        `SELECT ifnull(sum(clicks + conversions), 0) FROM traffic_hourly_all WHERE hour >= ? AND hour < ?`,
      )
      .pluck(),
    some: db
      .prepare(
        `SELECT ifnull(sum(clicks + conversions), 0) FROM traffic_hourly
      WHERE partner_id IN (SELECT value FROM json_each(?)) AND hour >= ? AND hour < ?`,
      )
      .pluck(),
  };
  const leadRows = {
    all: db
      .prepare(`SELECT ifnull(sum(leads), 0) FROM leads_hourly_all WHERE hour >= ? AND hour < ?`)
      .pluck(),
    some: db
      .prepare(
        `SELECT ifnull(sum(leads), 0) FROM leads_hourly
      WHERE partner_id IN (SELECT value FROM json_each(?)) AND hour >= ? AND hour < ?`,
      )
      .pluck(),
  };
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
    /**
     * How many raw rows a statement over this range and these partners reads (whole hours
     * around the range): the cost a raw-row query is judged by before it runs.
     */
    estimateRawRows(e: ScanEstimate): number {
      const stmts = e.dataset === 'leads' ? leadRows : trafficRows;
      const from = Math.floor(e.startMs / HOUR_MS);
      const to = Math.ceil(e.endMs / HOUR_MS);
      return (
        e.partnerIds === null
          ? stmts.all.get(from, to)
          : stmts.some.get(JSON.stringify(e.partnerIds), from, to)
      ) as number;
    },

    /** Whether this query reads the rollups rather than the raw rows. */
    usesRollups: (q: ReportQuery): boolean => !q.forceRaw && rollupEligible(q),

    run(q: ReportQuery): AggregateRow[] {
      // better-sqlite3 binds JS numbers as REAL; BigInt keeps the bucket arithmetic in integers.
      const params: Record<string, bigint | string> = {
        start: BigInt(q.startMs),
        end: BigInt(q.endMs),
        startHour: BigInt(Math.floor(q.startMs / HOUR_MS)),
        endHour: BigInt(Math.floor(q.endMs / HOUR_MS)),
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
      const sql = buildReportSql(q);
      // Named parameters the statement does not use are an error in better-sqlite3.
      const used = Object.fromEntries(
        Object.entries(params).filter(([k]) => new RegExp(`@${k}\\b`).test(sql)),
      );
      return prepare(sql).all(used) as AggregateRow[];
    },
  };
}

export type ReportQueryRunner = ReturnType<typeof reportQueryRunner>;
