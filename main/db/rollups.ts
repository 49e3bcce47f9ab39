/**
 * Keeps the hourly rollups (per partner, and over all partners) in step with the raw rows.
 * Callers insert rows, then call `rollUpSince` with the ids they started from, in the same
 * transaction, so a report never sees a row without its rollup or the other way round.
 */
import type { Db } from './connection.ts';
import { TABLE_AGGREGATES } from './aggregates.ts';

export interface EventIds {
  clicks: number;
  conversions: number;
  leads: number;
}

interface Source {
  from: string;
  id: string;
  hour: string;
  partner: string;
  offer: string;
  currency: string;
  sums: Record<string, string>;
  target: 'traffic' | 'leads';
}

const SOURCES: Record<keyof EventIds, Source> = {
  clicks: {
    from: 'clicks c JOIN offers o ON o.id = c.offer_id',
    id: 'c.id',
    hour: 'c.ts / 3600000',
    partner: 'c.partner_id',
    offer: 'c.offer_id',
    currency: 'o.currency', // a click is in its offer's currency
    sums: TABLE_AGGREGATES.clicks,
    target: 'traffic',
  },
  conversions: {
    from: 'conversions',
    id: 'id',
    hour: 'ts / 3600000',
    partner: 'partner_id',
    offer: 'offer_id',
    currency: 'currency',
    sums: TABLE_AGGREGATES.conversions,
    target: 'traffic',
  },
  leads: {
    from: 'leads',
    id: 'id',
    hour: 'registered_at / 3600000',
    partner: 'partner_id',
    offer: 'offer_id',
    currency: 'currency',
    sums: TABLE_AGGREGATES.leads,
    target: 'leads',
  },
};

/**
 * `INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE` adding the rows of an id range to one
 * rollup, or (sign -1) taking them out again, before a row changes.
 */
function rollupSql(
  s: Source,
  perPartner: boolean,
  sign: 1 | -1 = 1,
  where = `${s.id} > ? AND ${s.id} <= ?`,
): string {
  const table = `${s.target}_hourly${perPartner ? '' : '_all'}`;
  const keys = perPartner
    ? ['partner_id', 'hour', 'offer_id', 'currency']
    : ['hour', 'offer_id', 'currency'];
  const keyExprs = perPartner
    ? [s.partner, s.hour, s.offer, s.currency]
    : [s.hour, s.offer, s.currency];
  const cols = Object.keys(s.sums);
  return `INSERT INTO ${table} (${[...keys, ...cols].join(', ')})
    SELECT ${[...keyExprs, ...Object.values(s.sums).map((e) => (sign === 1 ? e : `-(${e})`))].join(', ')} FROM ${s.from} WHERE ${where}
    GROUP BY ${keys.map((_, i) => i + 1).join(', ')}
    ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${cols.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;
}

const ROLLUP_TABLES = ['traffic_hourly', 'traffic_hourly_all', 'leads_hourly', 'leads_hourly_all'];

/**
 * A rollup as it should be, computed from the raw rows alone, and the rows where the stored
 * rollup differs from it (either way). Rows summing to nothing are no difference.
 */
function mismatchSql(target: 'traffic' | 'leads', perPartner: boolean): string {
  const sources = Object.values(SOURCES).filter((s) => s.target === target);
  const cols = [...new Set(sources.flatMap((s) => Object.keys(s.sums)))];
  const keys = perPartner
    ? ['partner_id', 'hour', 'offer_id', 'currency']
    : ['hour', 'offer_id', 'currency'];
  const parts = sources.map((s) => {
    const keyExprs = perPartner
      ? [s.partner, s.hour, s.offer, s.currency]
      : [s.hour, s.offer, s.currency];
    const sums = cols.map((c) => `${s.sums[c] ?? '0'} AS ${c}`);
    return `SELECT ${[...keyExprs.map((e, i) => `${e} AS ${keys[i]}`), ...sums].join(', ')} FROM ${s.from} GROUP BY ${keys.map((_, i) => i + 1).join(', ')}`;
  });
  const expected = `SELECT ${[...keys, ...cols.map((c) => `sum(${c})`)].join(', ')} FROM (${parts.join(' UNION ALL ')}) GROUP BY ${keys.join(', ')}`;
  const stored = `SELECT ${[...keys, ...cols].join(', ')} FROM ${target}_hourly${perPartner ? '' : '_all'} WHERE ${cols.map((c) => `${c} <> 0`).join(' OR ')}`;
  // Each key (partner, hour, offer, currency) whose sums differ, or that one side lacks, counts once.
  return `WITH e AS (${expected}), s AS (${stored})
    SELECT count(*) FROM (
      SELECT ${keys.join(', ')} FROM (SELECT * FROM e EXCEPT SELECT * FROM s)
      UNION SELECT ${keys.join(', ')} FROM (SELECT * FROM s EXCEPT SELECT * FROM e))`;
}

export function rollupStatements(db: Db) {
  const maxIds = db.prepare(`SELECT (SELECT ifnull(max(id), 0) FROM clicks) AS clicks,
    (SELECT ifnull(max(id), 0) FROM conversions) AS conversions, (SELECT ifnull(max(id), 0) FROM leads) AS leads`);
  const steps = (Object.keys(SOURCES) as (keyof EventIds)[]).flatMap((table) =>
    [true, false].map((perPartner) => ({
      table,
      stmt: db.prepare(rollupSql(SOURCES[table], perPartner)),
    })),
  );
  const unsteps = (Object.keys(SOURCES) as (keyof EventIds)[]).flatMap((table) =>
    [true, false].map((perPartner) => ({
      table,
      stmt: db.prepare(rollupSql(SOURCES[table], perPartner, -1)),
    })),
  );
  return {
    /** The newest row id of each table: rows above it are not rolled up yet. */
    maxIds(): EventIds {
      return maxIds.get() as EventIds;
    },
    /** Adds every row above `since` to the rollups; call inside the inserting transaction. */
    rollUpSince(since: EventIds): void {
      for (const s of steps) s.stmt.run(since[s.table], Number.MAX_SAFE_INTEGER);
    },
    /** Rows of each rollup that differ from what the raw rows sum to (0 everywhere: exact). */
    mismatches(): { rollup: string; rows: number }[] {
      return (['traffic', 'leads'] as const).flatMap((target) =>
        [true, false].map((perPartner) => ({
          rollup: `${target}_hourly${perPartner ? '' : '_all'}`,
          rows: db.prepare(mismatchSql(target, perPartner)).pluck().get() as number,
        })),
      );
    },
    /** Computes every rollup again from the raw rows (call inside a write transaction). */
    rebuild(): void {
      for (const t of ROLLUP_TABLES) db.prepare(`DELETE FROM ${t}`).run();
      for (const s of steps) s.stmt.run(0, Number.MAX_SAFE_INTEGER);
    },
    /**
     * Takes one row out of the rollups, before it changes; `rollUpRange(table, id - 1, id)` puts
     * it back as it is after. Both in the changing transaction.
     */
    unrollRow(table: keyof EventIds, id: number): void {
      for (const s of unsteps) if (s.table === table) s.stmt.run(id - 1, id);
    },
    /**
     * For a batch of changing rows whose ids are in the temporary table `changing_ids` (of this
     * connection): `out` takes them all out of a table's rollups before they change, `in` puts
     * them back as they are after. One statement per rollup, whatever the batch's size.
     */
    changing(table: keyof EventIds): { out(): void; in(): void } {
      const where = `${SOURCES[table].id} IN (SELECT id FROM temp.changing_ids)`;
      const prepared = (sign: 1 | -1) =>
        [true, false].map((perPartner) =>
          db.prepare(rollupSql(SOURCES[table], perPartner, sign, where)),
        );
      const outs = prepared(-1);
      const ins = prepared(1);
      return {
        out: () => outs.forEach((st) => st.run()),
        in: () => ins.forEach((st) => st.run()),
      };
    },
    /** Adds one table's rows with ids in (afterId, upToId] to the rollups, in the inserting transaction. */
    rollUpRange(table: keyof EventIds, afterId: number, upToId: number): void {
      for (const s of steps) if (s.table === table) s.stmt.run(afterId, upToId);
    },
  };
}

export type RollupStatements = ReturnType<typeof rollupStatements>;
