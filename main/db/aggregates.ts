/**
 * How each raw table sums into the base aggregates of the reports. One definition serves the
 * report SQL over raw rows and the upkeep of the hourly rollups, so the two always agree.
 */
export type Table = 'clicks' | 'conversions' | 'leads';

export const TABLE_AGGREGATES: Record<Table, Record<string, string>> = {
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
