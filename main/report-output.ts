/** Reports as front doors hand them out: money in major units, CSV through the one writer. */
import { csvDocument, numeral, type CsvCell } from '../shared/csv.ts';
import { majorUnitsText, toMajorUnits } from '../shared/money.ts';
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

/** A row's CSV cells: money as decimal text with its currency's digits (`12.50`). */
function csvCells(
  row: ReportRow,
  columns: readonly ReportColumn[],
  ids: readonly string[],
): CsvCell[] {
  const money = new Set(columns.filter((c) => c.format === 'money').map((c) => c.id));
  const currency = typeof row.currency === 'string' ? row.currency : 'USD';
  return ids.map((id) => {
    const v = row[id];
    return money.has(id) && typeof v === 'number' ? numeral(majorUnitsText(v, currency)) : v;
  });
}

/** CSV with a header line, written by the one CSV writer. */
export function reportToCsv(r: ReportResult): string {
  const ids = csvColumns(r);
  return csvDocument(
    ids,
    r.rows.map((row) => csvCells(row, r.columns, ids)),
  );
}
