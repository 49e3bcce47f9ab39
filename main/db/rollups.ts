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

/** `INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE` adding the rows of an id range to one rollup. */
function rollupSql(s: Source, perPartner: boolean): string {
  const table = `${s.target}_hourly${perPartner ? '' : '_all'}`;
  const keys = perPartner
    ? ['partner_id', 'hour', 'offer_id', 'currency']
    : ['hour', 'offer_id', 'currency'];
  const keyExprs = perPartner
    ? [s.partner, s.hour, s.offer, s.currency]
    : [s.hour, s.offer, s.currency];
  const cols = Object.keys(s.sums);
  return `INSERT INTO ${table} (${[...keys, ...cols].join(', ')})
    SELECT ${[...keyExprs, ...Object.values(s.sums)].join(', ')} FROM ${s.from} WHERE ${s.id} > ? AND ${s.id} <= ?
    GROUP BY ${keys.map((_, i) => i + 1).join(', ')}
    ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${cols.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;
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
  return {
    /** The newest row id of each table: rows above it are not rolled up yet. */
    maxIds(): EventIds {
      return maxIds.get() as EventIds;
    },
    /** Adds every row above `since` to the rollups; call inside the inserting transaction. */
    rollUpSince(since: EventIds): void {
      for (const s of steps) s.stmt.run(since[s.table], Number.MAX_SAFE_INTEGER);
    },
    /** Adds one table's rows with ids in (afterId, upToId] to the rollups, in the inserting transaction. */
    rollUpRange(table: keyof EventIds, afterId: number, upToId: number): void {
      for (const s of steps) if (s.table === table) s.stmt.run(afterId, upToId);
    },
  };
}

export type RollupStatements = ReturnType<typeof rollupStatements>;
