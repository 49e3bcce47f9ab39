/** Reports as front doors hand them out: money in major units, CSV cells made safe. */
import { stringify } from 'csv-stringify/sync';
import { neutraliseCell } from '../shared/csv-cells.ts';
import { toMajorUnits } from '../shared/money.ts';
import type { ReportColumn, ReportResult, ReportRow } from '../shared/schemas.ts';

export interface PresentedReport {
  report: { id: number | null; name: string; dataset: string };
  columns: ReportColumn[];
  rows: ReportRow[];
  totals: ReportRow[];
  range: { from: string; to: string; timezone: string };
  totalRows: number;
  hiddenColumns: string[];
}

/** Money columns converted from minor units to decimal amounts of the row's currency. */
export function presentRow(row: ReportRow, columns: readonly ReportColumn[]): ReportRow {
  const out: ReportRow = { ...row };
  const currency = typeof row.currency === 'string' ? row.currency : 'USD';
  for (const c of columns) {
    const v = row[c.id];
    if (c.format === 'money' && typeof v === 'number') out[c.id] = toMajorUnits(v, currency);
  }
  return out;
}

export function presentReport(r: ReportResult): PresentedReport {
  return {
    report: { id: r.reportId, name: r.name, dataset: r.dataset },
    columns: r.columns,
    rows: r.rows.map((row) => presentRow(row, r.columns)),
    totals: r.totals.map((row) => presentRow(row, r.columns)),
    range: { from: r.range.from, to: r.range.to, timezone: r.range.timezone },
    totalRows: r.totalRows,
    hiddenColumns: r.hiddenColumns,
  };
}

/** The CSV header: the report's columns, plus `currency` when money is in it. */
export function csvColumns(r: Pick<ReportResult, 'columns' | 'rows'>): string[] {
  const ids = r.columns.map((c) => c.id);
  if (r.columns.some((c) => c.format === 'money')) ids.push('currency');
  return ids;
}

/** RFC 4180 CSV with a header line; formula-looking text cells neutralised. */
export function reportToCsv(r: ReportResult): string {
  const columns = csvColumns(r);
  const rows = r.rows.map((row) => {
    const p = presentRow(row, r.columns);
    return columns.map((c) => neutraliseCell(p[c]));
  });
  return stringify([columns, ...rows], { record_delimiter: '\r\n' });
}
