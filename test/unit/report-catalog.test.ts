/**
 * The catalog is the one place a column is declared: the stored rollups must have a column for
 * each of its sums, and what a partner may see follows from what each metric is made of.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ICON_SVG } from '../../shared/brand.ts';
import {
  BASE_AGGREGATE_IDS,
  DATASETS,
  METRICS,
  columnDef,
  deriveMetric,
  isHiddenFromPartners,
  moneyColumns,
  partnerHiddenColumns,
  rowFilters,
  tableAggregates,
  visibleColumns,
} from '../../shared/report-catalog.ts';
import { storeOf, testCore } from '../helpers.ts';

describe('the column catalog', () => {
  it('has a rollup column for every sum it declares, and no other', () => {
    const db = storeOf(testCore());
    const columns = (table: string) =>
      (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).filter(
        (c) => !['partner_id', 'hour', 'offer_id', 'currency'].includes(c),
      );
    const traffic = [...tableAggregates('clicks'), ...tableAggregates('conversions')];
    expect(columns('traffic_hourly').sort()).toEqual([...traffic].sort());
    expect(columns('traffic_hourly_all').sort()).toEqual([...traffic].sort());
    expect(columns('leads_hourly').sort()).toEqual([...tableAggregates('leads')].sort());
    expect(columns('leads_hourly_all').sort()).toEqual([...tableAggregates('leads')].sort());
    expect(BASE_AGGREGATE_IDS).toHaveLength(traffic.length + tableAggregates('leads').length);
  });

  it('puts a metric in the datasets whose tables hold what it is made of', () => {
    expect(columnDef('cr')!.datasets).toEqual(['performance']);
    expect(columnDef('profit')!.datasets).toEqual(['performance', 'conversions']);
    expect(columnDef('volume_lots')!.datasets).toEqual(['leads']);
    for (const m of METRICS) expect(m.datasets.length, m.id).toBeGreaterThan(0);
  });

  it('hides from partners what is made of network economics, and employee-only dimensions', () => {
    expect(isHiddenFromPartners('revenue')).toBe(true);
    expect(isHiddenFromPartners('profit')).toBe(true); // revenue − payout
    expect(isHiddenFromPartners('partner')).toBe(true);
    expect(isHiddenFromPartners('payout')).toBe(false);
    for (const d of DATASETS)
      for (const c of visibleColumns(d, 'partner')) expect(isHiddenFromPartners(c.id)).toBe(false);
    expect([...partnerHiddenColumns('conversions')].sort()).toEqual(['partner_id', 'revenue']);
    expect([...partnerHiddenColumns('clicks')]).toEqual(['partner_id']);
    expect([...moneyColumns('conversions')].sort()).toEqual(['payout', 'revenue', 'sale_amount']);
    expect(rowFilters('leads').map((d) => d.id)).toEqual(['offer', 'country', 'status']);
  });

  it('computes metrics from the sums, a rate over nothing being null', () => {
    const sums = {
      clicks: 400,
      conversions: 9,
      payout: 1234,
      revenue: 2000,
      volume_centilots: 1250,
    };
    expect(deriveMetric({ rate: ['conversions', 'clicks'], per: 100, digits: 2 }, sums)).toBe(2.25);
    expect(deriveMetric({ rate: ['payout', 'clicks'], per: 1, digits: 2 }, sums)).toBe(3.09);
    expect(
      deriveMetric({ rate: ['payout', 'clicks'], per: 1, digits: 2 }, { clicks: 0 }),
    ).toBeNull();
    expect(deriveMetric({ difference: ['revenue', 'payout'] }, sums)).toBe(766);
    expect(deriveMetric({ scaled: 'volume_centilots', factor: 0.01 }, sums)).toBe(12.5);
  });
});

describe('the product mark', () => {
  it('is the same drawing in shared/brand.ts and the desktop icon source', () => {
    const file = readFileSync(
      new URL('../../main/desktop/resources/icon.svg', import.meta.url),
      'utf8',
    );
    expect(ICON_SVG).toBe(file);
  });
});
