/**
 * The SQL that sums each base aggregate over its table's rows, derived from the catalog. One
 * definition serves the report SQL over raw rows and the upkeep of the hourly rollups, so the
 * two always agree.
 */
import {
  BASE_AGGREGATES,
  perTable,
  tableAggregates,
  type Aggregation,
  type BaseAggregateId,
  type EventTable,
} from '../../shared/report-catalog.ts';

export type Table = EventTable;

function aggregateSql(g: Aggregation): string {
  if ('count' in g) {
    if (g.count === 'present') return `count(${g.column})`;
    return g.status ? `sum(status = '${g.status}')` : 'count(*)';
  }
  return g.status
    ? `sum(CASE WHEN status = '${g.status}' THEN ${g.sum} ELSE 0 END)`
    : `sum(${g.sum})`;
}

/** Base aggregate → SQL expression, per table, in catalog order. */
export const TABLE_AGGREGATES: Record<Table, Partial<Record<BaseAggregateId, string>>> = perTable(
  (t) =>
    Object.fromEntries(
      tableAggregates(t).map((id) => [id, aggregateSql(BASE_AGGREGATES[id].aggregation)]),
    ),
);
