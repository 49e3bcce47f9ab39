/** Inserts of performance data: clicks, conversions and leads. */
import type { ClickRecord, ConversionRecord, LeadRecord } from '../../shared/schemas.ts';
import type { Db } from './connection.ts';
import { EVENT_COLUMNS, type EventRow } from './event-rows.ts';

export function eventStatements(db: Db) {
  const click =
    db.prepare(`INSERT INTO clicks (ts, partner_id, offer_id, sub1, sub2, sub3, sub4, sub5, country, device, click_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const conversion =
    db.prepare(`INSERT INTO conversions (ts, partner_id, offer_id, status, revenue, payout, sale_amount,
      currency, sub1, sub2, sub3, sub4, sub5, country, device, click_id, transaction_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (transaction_id) DO NOTHING`);
  const lead =
    db.prepare(`INSERT INTO leads (registered_at, partner_id, offer_id, lead_ref, country, status, ftd_at,
      ftd_amount, deposits, withdrawals, volume_centilots, commission, currency)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (lead_ref) DO NOTHING`);
  const counts =
    db.prepare(`SELECT (SELECT count(*) FROM clicks) AS clicks, (SELECT count(*) FROM conversions) AS conversions,
    (SELECT count(*) FROM leads) AS leads`);
  const byTransaction = db.prepare(
    `SELECT ${EVENT_COLUMNS.conversions.join(', ')} FROM conversions WHERE transaction_id = ?`,
  );
  return {
    insertClick(c: ClickRecord): void {
      click.run(c.ts, c.partnerId, c.offerId, ...c.subs, c.country, c.device, c.clickId);
    },
    /** False when the transaction id is already stored (a repeat is not a new conversion). */
    insertConversion(c: ConversionRecord): boolean {
      return (
        conversion.run(
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
        ).changes === 1
      );
    },
    /** False when the lead reference is already stored. */
    insertLead(l: LeadRecord): boolean {
      return (
        lead.run(
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
        ).changes === 1
      );
    },
    counts(): { clicks: number; conversions: number; leads: number } {
      return counts.get() as { clicks: number; conversions: number; leads: number };
    },
    conversionByTransaction(transactionId: string): EventRow | undefined {
      return byTransaction.get(transactionId) as EventRow | undefined;
    },
  };
}

export type EventStatements = ReturnType<typeof eventStatements>;
