import type { Offer, OfferStatus } from '../../shared/schemas.ts';
import type { Db } from './connection.ts';

interface OfferRow {
  id: number;
  name: string;
  status: OfferStatus;
  default_payout: number;
  currency: string;
  created_at: number;
}

const toOffer = (r: OfferRow): Offer => ({
  id: r.id,
  name: r.name,
  status: r.status,
  defaultPayout: r.default_payout,
  currency: r.currency,
  createdAt: r.created_at,
});

export function offerStatements(db: Db) {
  const insert = db.prepare(`INSERT INTO offers (name, status, default_payout, currency, created_at)
    VALUES (@name, @status, @defaultPayout, @currency, @now)`);
  const byId = db.prepare(`SELECT * FROM offers WHERE id = ?`);
  const update = db.prepare(
    `UPDATE offers SET name = @name, status = @status, default_payout = @defaultPayout WHERE id = @id`,
  );
  const list = db.prepare(
    `SELECT * FROM offers WHERE (@status IS NULL OR status = @status) ORDER BY name COLLATE NOCASE, id`,
  );
  const currencies = db.prepare(`SELECT id, currency FROM offers`);
  return {
    insert(o: Omit<Offer, 'id' | 'createdAt'>, now: number): number {
      return Number(insert.run({ ...o, now }).lastInsertRowid);
    },
    update(o: Pick<Offer, 'id' | 'name' | 'status' | 'defaultPayout'>): void {
      update.run(o);
    },
    get(id: number): Offer | undefined {
      const r = byId.get(id) as OfferRow | undefined;
      return r && toOffer(r);
    },
    list(status?: OfferStatus): Offer[] {
      return (list.all({ status: status ?? null }) as OfferRow[]).map(toOffer);
    },
    /** Offer id → currency, for validating imported rows without a query each. */
    currencyById(): Map<number, string> {
      return new Map(
        (currencies.all() as { id: number; currency: string }[]).map((r) => [r.id, r.currency]),
      );
    },
  };
}

export type OfferStatements = ReturnType<typeof offerStatements>;
