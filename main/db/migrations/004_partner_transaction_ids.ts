/**
 * A conversion's transaction id is unique within its partner, not across partners. Unique
 * across partners, a postback with another partner's id had to be refused, which told the
 * partner that id existed elsewhere. Each partner now has its own namespace; imports, which
 * an account manager runs over every partner, still refuse to move an id to another partner.
 * SQLite cannot drop a column's UNIQUE constraint, so the table is rebuilt (ids kept, so the
 * hourly rollups and paging cursors stay valid).
 */
export default /* sql */ `
CREATE TABLE conversions_by_partner (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  partner_id INTEGER NOT NULL REFERENCES accounts (id),
  offer_id INTEGER NOT NULL REFERENCES offers (id),
  status TEXT NOT NULL CHECK (status IN ('approved', 'pending', 'rejected')),
  revenue INTEGER NOT NULL CHECK (revenue >= 0),
  payout INTEGER NOT NULL CHECK (payout >= 0),
  sale_amount INTEGER NOT NULL DEFAULT 0 CHECK (sale_amount >= 0),
  currency TEXT NOT NULL CHECK (length(currency) = 3),
  sub1 TEXT, sub2 TEXT, sub3 TEXT, sub4 TEXT, sub5 TEXT,
  country TEXT,
  device TEXT,
  click_id TEXT,
  transaction_id TEXT NOT NULL,
  UNIQUE (partner_id, transaction_id)
) STRICT;
INSERT INTO conversions_by_partner
  (id, ts, partner_id, offer_id, status, revenue, payout, sale_amount, currency,
   sub1, sub2, sub3, sub4, sub5, country, device, click_id, transaction_id)
SELECT id, ts, partner_id, offer_id, status, revenue, payout, sale_amount, currency,
   sub1, sub2, sub3, sub4, sub5, country, device, click_id, transaction_id
FROM conversions ORDER BY id;
DROP TABLE conversions;
ALTER TABLE conversions_by_partner RENAME TO conversions;
CREATE INDEX conversions_partner_ts ON conversions (partner_id, ts);
CREATE INDEX conversions_ts ON conversions (ts);
CREATE INDEX conversions_transaction ON conversions (transaction_id);
`;
