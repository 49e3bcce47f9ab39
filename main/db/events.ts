/** Inserts of performance data: clicks, conversions and leads. */
import type { ClickRecord, ConversionRecord, LeadRecord } from '../../shared/schemas.ts';
import type { Db } from './connection.ts';
import { EVENT_COLUMNS, type EventRow, type EventTable } from './event-rows.ts';

export type EventRecord = {
  clicks: ClickRecord;
  conversions: ConversionRecord;
  leads: LeadRecord;
};

type Value = string | number | null;

/** Stored columns not written from a record: the row id, generated ones, and the last-changed time. */
const NOT_INSERTED = new Set(['id', 'net_deposits', 'updated_at']);

const insertable = (t: EventTable) => EVENT_COLUMNS[t].filter((c) => !NOT_INSERTED.has(c));

/** The columns an insert writes, and each record's values in that order. */
export const INSERT_COLUMNS: { [T in EventTable]: readonly string[] } = {
  clicks: insertable('clicks'),
  conversions: insertable('conversions'),
  leads: insertable('leads'),
};

export const RECORD_VALUES: { [T in EventTable]: (r: EventRecord[T]) => Value[] } = {
  clicks: (c) => [c.ts, c.partnerId, c.offerId, ...c.subs, c.country, c.device, c.clickId],
  conversions: (c) => [
    c.ts,
    c.partnerId,
    c.offerId,
    c.status,
    c.revenue,
    c.payout,
    c.saleAmount,
    c.currency,
    ...c.subs,
    c.country,
    c.device,
    c.clickId,
    c.transactionId,
  ],
  leads: (l) => [
    l.registeredAt,
    l.partnerId,
    l.offerId,
    l.leadRef,
    l.country,
    l.status,
    l.ftdAt,
    l.ftdAmount,
    l.deposits,
    l.withdrawals,
    l.volumeCentilots,
    l.commission,
    l.currency,
  ],
};

/** The id a row is known by outside Partnergate (the tracker's, the broker's), if any. */
export const EXTERNAL_ID: { [T in EventTable]: string | null } = {
  clicks: null,
  conversions: 'transaction_id',
  leads: 'lead_ref',
};

/**
 * The columns that name a row (a repeat of them is the same row), if any. A conversion's
 * transaction id is unique within its partner: partners know nothing of each other's ids.
 */
export const NATURAL_KEY: { [T in EventTable]: readonly string[] | null } = {
  clicks: null,
  conversions: ['partner_id', 'transaction_id'],
  leads: ['lead_ref'],
};

function valueOf<T extends EventTable>(table: T, r: EventRecord[T], column: string): Value {
  return RECORD_VALUES[table](r)[INSERT_COLUMNS[table].indexOf(column)]!;
}

export function naturalKeyOf<T extends EventTable>(table: T, r: EventRecord[T]): Value[] | null {
  return NATURAL_KEY[table]?.map((c) => valueOf(table, r, c)) ?? null;
}

export function externalIdOf<T extends EventTable>(table: T, r: EventRecord[T]): string | null {
  const column = EXTERNAL_ID[table];
  return column === null ? null : String(valueOf(table, r, column));
}

/** Tables whose rows change after they are stored, and so keep when they last changed. */
export const CHANGING: { [T in EventTable]: boolean } = {
  clicks: false,
  conversions: true,
  leads: true,
};

function insertSql(table: EventTable): string {
  const cols = [...INSERT_COLUMNS[table], ...(CHANGING[table] ? ['updated_at'] : [])];
  const key = NATURAL_KEY[table];
  return `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})${
    key ? ` ON CONFLICT (${key.join(', ')}) DO NOTHING` : ''
  }`;
}

export function eventStatements(db: Db) {
  const click = db.prepare(insertSql('clicks'));
  const conversion = db.prepare(insertSql('conversions'));
  const lead = db.prepare(insertSql('leads'));
  const counts =
    db.prepare(`SELECT (SELECT count(*) FROM clicks) AS clicks, (SELECT count(*) FROM conversions) AS conversions,
    (SELECT count(*) FROM leads) AS leads`);
  const changeConversion = db.prepare(
    'UPDATE conversions SET status = ?, payout = ?, revenue = ?, sale_amount = ?, updated_at = ? WHERE id = ?',
  );
  const byTransaction = db.prepare(
    `SELECT ${EVENT_COLUMNS.conversions.join(', ')} FROM conversions WHERE partner_id = ? AND transaction_id = ?`,
  );
  return {
    insertClick(c: ClickRecord): void {
      click.run(RECORD_VALUES.clicks(c));
    },
    /**
     * False when the partner's transaction id is already stored (a repeat is not a new
     * conversion). `at`: when it is stored (its last change, for `updated_since`).
     */
    insertConversion(c: ConversionRecord, at: number): boolean {
      return conversion.run(...RECORD_VALUES.conversions(c), at).changes === 1;
    },
    /** False when the lead reference is already stored. */
    insertLead(l: LeadRecord, at: number): boolean {
      return lead.run(...RECORD_VALUES.leads(l), at).changes === 1;
    },
    /** A stored conversion's status and amounts, as they are now (call with its rollups taken out). */
    updateConversion(
      id: number,
      c: Pick<ConversionRecord, 'status' | 'payout' | 'revenue' | 'saleAmount'>,
      at: number,
    ): void {
      changeConversion.run(c.status, c.payout, c.revenue, c.saleAmount, at, id);
    },
    counts(): { clicks: number; conversions: number; leads: number } {
      return counts.get() as { clicks: number; conversions: number; leads: number };
    },
    /** A partner's conversion by its transaction id. */
    conversionByTransaction(partnerId: number, transactionId: string): EventRow | undefined {
      return byTransaction.get(partnerId, transactionId) as EventRow | undefined;
    },
  };
}

export type EventStatements = ReturnType<typeof eventStatements>;
