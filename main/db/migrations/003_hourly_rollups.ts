/**
 * Hourly aggregates per partner, offer and currency, and the same summed over all partners.
 * Reports grouped only by time, offer and partner read these instead of the raw rows (hours fit
 * every whole-hour time zone). Every insert path adds to them in the same transaction as the rows.
 */
export default /* sql */ `
CREATE TABLE traffic_hourly (
  partner_id INTEGER NOT NULL,
  hour INTEGER NOT NULL,
  offer_id INTEGER NOT NULL,
  currency TEXT NOT NULL,
  clicks INTEGER NOT NULL DEFAULT 0,
  conversions INTEGER NOT NULL DEFAULT 0,
  approved INTEGER NOT NULL DEFAULT 0,
  pending INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  payout INTEGER NOT NULL DEFAULT 0,
  pending_payout INTEGER NOT NULL DEFAULT 0,
  revenue INTEGER NOT NULL DEFAULT 0,
  sale_amount INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (partner_id, hour, offer_id, currency)
) STRICT, WITHOUT ROWID;

CREATE TABLE leads_hourly (
  partner_id INTEGER NOT NULL,
  hour INTEGER NOT NULL,
  offer_id INTEGER NOT NULL,
  currency TEXT NOT NULL,
  leads INTEGER NOT NULL DEFAULT 0,
  ftd INTEGER NOT NULL DEFAULT 0,
  ftd_amount INTEGER NOT NULL DEFAULT 0,
  deposits INTEGER NOT NULL DEFAULT 0,
  withdrawals INTEGER NOT NULL DEFAULT 0,
  net_deposits INTEGER NOT NULL DEFAULT 0,
  volume_centilots INTEGER NOT NULL DEFAULT 0,
  commission INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (partner_id, hour, offer_id, currency)
) STRICT, WITHOUT ROWID;

CREATE TABLE traffic_hourly_all (
  hour INTEGER NOT NULL,
  offer_id INTEGER NOT NULL,
  currency TEXT NOT NULL,
  clicks INTEGER NOT NULL DEFAULT 0,
  conversions INTEGER NOT NULL DEFAULT 0,
  approved INTEGER NOT NULL DEFAULT 0,
  pending INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  payout INTEGER NOT NULL DEFAULT 0,
  pending_payout INTEGER NOT NULL DEFAULT 0,
  revenue INTEGER NOT NULL DEFAULT 0,
  sale_amount INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (hour, offer_id, currency)
) STRICT, WITHOUT ROWID;

CREATE TABLE leads_hourly_all (
  hour INTEGER NOT NULL,
  offer_id INTEGER NOT NULL,
  currency TEXT NOT NULL,
  leads INTEGER NOT NULL DEFAULT 0,
  ftd INTEGER NOT NULL DEFAULT 0,
  ftd_amount INTEGER NOT NULL DEFAULT 0,
  deposits INTEGER NOT NULL DEFAULT 0,
  withdrawals INTEGER NOT NULL DEFAULT 0,
  net_deposits INTEGER NOT NULL DEFAULT 0,
  volume_centilots INTEGER NOT NULL DEFAULT 0,
  commission INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (hour, offer_id, currency)
) STRICT, WITHOUT ROWID;

INSERT INTO traffic_hourly (partner_id, hour, offer_id, currency, clicks)
  SELECT c.partner_id, c.ts / 3600000, c.offer_id, o.currency, count(*)
  FROM clicks c JOIN offers o ON o.id = c.offer_id
  GROUP BY 1, 2, 3, 4;

INSERT INTO traffic_hourly (partner_id, hour, offer_id, currency, conversions, approved, pending, rejected,
    payout, pending_payout, revenue, sale_amount)
  SELECT partner_id, ts / 3600000, offer_id, currency, count(*), sum(status = 'approved'), sum(status = 'pending'),
    sum(status = 'rejected'), sum(CASE WHEN status = 'approved' THEN payout ELSE 0 END),
    sum(CASE WHEN status = 'pending' THEN payout ELSE 0 END), sum(CASE WHEN status = 'approved' THEN revenue ELSE 0 END),
    sum(CASE WHEN status = 'approved' THEN sale_amount ELSE 0 END)
  FROM conversions WHERE true
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (partner_id, hour, offer_id, currency) DO UPDATE SET
    conversions = conversions + excluded.conversions, approved = approved + excluded.approved,
    pending = pending + excluded.pending, rejected = rejected + excluded.rejected,
    payout = payout + excluded.payout, pending_payout = pending_payout + excluded.pending_payout,
    revenue = revenue + excluded.revenue, sale_amount = sale_amount + excluded.sale_amount;

INSERT INTO leads_hourly (partner_id, hour, offer_id, currency, leads, ftd, ftd_amount, deposits, withdrawals,
    net_deposits, volume_centilots, commission)
  SELECT partner_id, registered_at / 3600000, offer_id, currency, count(*), count(ftd_at), sum(ftd_amount),
    sum(deposits), sum(withdrawals), sum(deposits - withdrawals), sum(volume_centilots), sum(commission)
  FROM leads
  GROUP BY 1, 2, 3, 4;

INSERT INTO traffic_hourly_all
  SELECT hour, offer_id, currency, sum(clicks), sum(conversions), sum(approved), sum(pending), sum(rejected),
    sum(payout), sum(pending_payout), sum(revenue), sum(sale_amount)
  FROM traffic_hourly GROUP BY 1, 2, 3;

INSERT INTO leads_hourly_all
  SELECT hour, offer_id, currency, sum(leads), sum(ftd), sum(ftd_amount), sum(deposits), sum(withdrawals),
    sum(net_deposits), sum(volume_centilots), sum(commission)
  FROM leads_hourly GROUP BY 1, 2, 3;
`;
