/** Row-level clicks, conversions and leads as an account may see them, paged by cursor. */
import { invalid, PartnergateError } from '../../shared/errors.ts';
import { shown } from '../../shared/validation.ts';
import { numeral, type CsvCell } from '../../shared/csv.ts';
import { majorUnitsText, toMajorUnits } from '../../shared/money.ts';
import type { Account } from '../../shared/schemas.ts';
import { EVENT_COLUMNS, type EventRow } from '../db/event-rows.ts';
import {
  moneyColumns,
  partnerHiddenColumns,
  perTable,
  rowFilters,
  scaledColumns,
  type EventTable,
} from '../../shared/report-catalog.ts';
import type { AccountService } from './accounts.ts';
import type { ServiceContext } from './context.ts';
import type { ResolvedRange } from './report-time.ts';
import { assertScanWithinBudget, type QueryLimits } from './scan-budget.ts';
import { requestedRange } from './report-time.ts';

export interface EventSearch {
  dataset: EventTable;
  account: Account;
  range: ResolvedRange;
  cursor?: string | undefined;
  limit: number;
  /** Column → allowed values (offer_id, status, country, device, sub1…sub5, partner_id). */
  filters: Record<string, readonly (string | number)[]>;
  /** Most raw rows one page's statement may read. */
  maxScanRows?: number | undefined;
  /** Only rows stored or changed at or after this time. */
  updatedSinceMs?: number | undefined;
}

/** A row search as a request asks for it (values as given, e.g. `offer=3,4&country=de`). */
export interface RowSearchRequest {
  table: EventTable;
  account: Account;
  from?: string | undefined;
  to?: string | undefined;
  timezone?: string | undefined;
  /** Dimension id → values; only the table's row filters (`rowFilters`) are looked at. */
  filters: Readonly<Record<string, readonly string[] | undefined>>;
  /** Partners to narrow to: employee keys only. */
  partners?: readonly string[] | undefined;
  limit: number;
  cursor?: string | undefined;
  /** ISO 8601 instant: only rows stored or changed since (conversions and leads). */
  updatedSince?: string | undefined;
}

function ids(values: readonly string[], field: string): number[] {
  return values.map((v) => {
    if (!/^\d{1,12}$/.test(v))
      throw invalid(
        'invalid_parameters',
        `${field} must be ids separated by commas; "${v}" is not an id.`,
        [{ field, message: 'not an id' }],
      );
    return Number(v);
  });
}

/** `partner=` narrows an employee key's rows; a partner key always reads its own. */
function partnerOnlyForEmployees(account: Account): void {
  if (account.kind !== 'employee')
    throw invalid(
      'invalid_parameters',
      'partner is only for employee keys; a partner key always reads its own rows.',
      [{ field: 'partner', message: 'not for partner keys' }],
    );
}

export interface EventPage<Cell = string | number | null> {
  rows: Record<string, Cell>[];
  nextCursor: string | null;
}

/** Money as JSON numbers (`12.5`), or as CSV numerals with the currency's digits (`12.50`). */
type MoneyAs = 'number' | 'csv';

const MONEY = perTable(moneyColumns);
/** What a partner never receives about its own rows. */
const PARTNER_HIDDEN = perTable(partnerHiddenColumns);
const SCALED = perTable(scaledColumns);
const TIMES = ['ts', 'registered_at', 'ftd_at', 'updated_at'];

/** A stored column's name as the API shows it. */
function shownName(table: EventTable, column: string): string {
  return column === 'ts' ? 'time' : (SCALED[table].get(column)?.as ?? column);
}

/** The columns a row of `table` has for this account, as the API names them, in order. */
export function rowColumns(table: EventTable, account: Pick<Account, 'kind'>): string[] {
  const partner = account.kind !== 'employee';
  const out: string[] = [];
  for (const c of EVENT_COLUMNS[table]) {
    if (partner && PARTNER_HIDDEN[table].has(c)) continue;
    out.push(shownName(table, c));
    if (c === 'offer_id') out.push('offer');
  }
  return out;
}

/**
 * Opaque paging cursors: `after` a row id (row search) or at an `offset` into a report.
 * The kind is part of the cursor, so one kind is never taken for the other.
 */
export type CursorKind = 'after' | 'offset';

export function encodeCursor(kind: CursorKind, n: number): string {
  return Buffer.from(`${kind}:${n}`).toString('base64url');
}

export function decodeCursor(kind: CursorKind, cursor: string): number {
  const m = /^([a-z]+):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m || m[1] !== kind) {
    throw invalid(
      'invalid_cursor',
      'The cursor is not one this API handed out; start again without a cursor.',
      [{ field: 'cursor', message: 'unknown cursor' }],
    );
  }
  return Number(m[2]);
}

export function eventSearchService(ctx: ServiceContext, accounts: AccountService) {
  function present(
    table: EventTable,
    raw: EventRow,
    partner: boolean,
    offerNames: Map<number, string>,
    moneyAs: MoneyAs = 'number',
  ) {
    const out: Record<string, string | number | null | CsvCell> = {};
    const currency = typeof raw.currency === 'string' ? raw.currency : 'USD';
    for (const [k, v] of Object.entries(raw)) {
      if (partner && PARTNER_HIDDEN[table].has(k)) continue;
      const scaled = SCALED[table].get(k);
      if (TIMES.includes(k))
        out[shownName(table, k)] = v === null ? null : new Date(Number(v)).toISOString();
      else if (MONEY[table].has(k) && typeof v === 'number')
        out[k] =
          moneyAs === 'csv' ? numeral(majorUnitsText(v, currency)) : toMajorUnits(v, currency);
      else if (scaled) out[scaled.as] = Math.round(Number(v) * scaled.factor * 1e6) / 1e6;
      else out[k] = v;
      if (k === 'offer_id') out.offer = offerNames.get(Number(v)) ?? null;
    }
    return out;
  }

  /** The search a request stands for: its range, and its filters checked and typed. */
  function prepare(r: RowSearchRequest, limits: QueryLimits = {}): EventSearch {
    const timezone = r.timezone ?? r.account.timezone;
    const range = requestedRange(r, timezone, 'last_7_days', ctx.now(), limits.maxDays);
    const filters: Record<string, (string | number)[]> = {};
    for (const d of rowFilters(r.table)) {
      const values = r.filters[d.id];
      if (!values?.length) continue;
      const column = d.column!;
      filters[column] = column.endsWith('_id')
        ? ids(values, d.id)
        : d.id === 'country'
          ? values.map((v) => v.toUpperCase())
          : [...values];
    }
    if (r.partners !== undefined) {
      partnerOnlyForEmployees(r.account);
      filters.partner_id = ids(r.partners, 'partner');
    }
    let updatedSinceMs: number | undefined;
    if (r.updatedSince !== undefined) {
      if (r.table === 'clicks')
        throw invalid(
          'invalid_parameters',
          'updated_since is for conversions and leads; a click never changes once stored.',
          [{ field: 'updated_since', message: 'not for clicks' }],
        );
      updatedSinceMs = Date.parse(r.updatedSince);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(r.updatedSince) || !Number.isFinite(updatedSinceMs))
        throw invalid(
          'invalid_parameters',
          `updated_since must be an ISO 8601 instant such as 2026-11-20T10:00:00Z, not "${shown(r.updatedSince)}".`,
          [{ field: 'updated_since', message: 'not an ISO 8601 instant' }],
        );
    }
    return {
      dataset: r.table,
      account: r.account,
      range,
      filters,
      limit: r.limit,
      cursor: r.cursor,
      maxScanRows: limits.maxScanRows,
      updatedSinceMs,
    };
  }

  return {
    prepare,
    /** The columns a row of `table` has for this account, as the API names them. */
    columns: rowColumns,

    /** One stored row as this account may see it. */
    present(
      table: EventTable,
      raw: EventRow,
      account: Account,
    ): Record<string, string | number | null> {
      return present(
        table,
        raw,
        account.kind !== 'employee',
        new Map(ctx.sql.offers.list().map((o) => [o.id, o.name])),
      ) as Record<string, string | number | null>;
    },

    page(s: EventSearch): EventPage {
      return search(s, 'number') as EventPage;
    },

    /**
     * The conversion recorded under a transaction id, as this account may see it. A partner's
     * transaction ids are unique to it; an employee seeing several partners that reuse one id
     * names the partner.
     */
    conversion(
      account: Account,
      transactionId: string,
      partners?: readonly string[],
    ): Record<string, string | number | null> {
      if (partners !== undefined) partnerOnlyForEmployees(account);
      let partnerIds = accounts.visiblePartnerIds(account);
      if (partners !== undefined) {
        const asked = ids(partners, 'partner');
        partnerIds = partnerIds === null ? asked : partnerIds.filter((p) => asked.includes(p));
      }
      const rows = ctx.sql.eventRows.byTransaction(transactionId, partnerIds);
      if (!rows.length)
        throw new PartnergateError(
          'not_found',
          'not_found',
          `No conversion with transaction id "${shown(transactionId)}"${account.kind === 'employee' ? ' among the partners this key reads' : ''}.`,
        );
      if (rows.length > 1)
        throw invalid(
          'invalid_parameters',
          `Transaction id "${shown(transactionId)}" is recorded for partners ${rows.map((r) => r.partner_id).join(', ')}; add partner= to pick one.`,
          [{ field: 'partner', message: 'needed: several partners use this transaction id' }],
        );
      const offerNames = new Map(ctx.sql.offers.list().map((o) => [o.id, o.name]));
      return present('conversions', rows[0]!, account.kind !== 'employee', offerNames) as Record<
        string,
        string | number | null
      >;
    },

    /** A page with money as CSV numerals, for the one CSV writer. */
    csvPage(s: EventSearch): EventPage<CsvCell> {
      return search(s, 'csv');
    },
  };

  function search(s: EventSearch, moneyAs: MoneyAs): EventPage<CsvCell> {
    const partner = s.account.kind !== 'employee';
    let partnerIds = accounts.visiblePartnerIds(s.account);
    const filters = { ...s.filters };
    if (filters.partner_id) {
      const asked = filters.partner_id.map(Number);
      partnerIds = partnerIds === null ? asked : partnerIds.filter((p) => asked.includes(p));
      delete filters.partner_id;
    }
    // A selective filter (a rare sub id) can make one page read every row in the range.
    if (Object.keys(filters).some((f) => f !== 'offer_id')) {
      assertScanWithinBudget(
        ctx.sql.reportQuery,
        { dataset: s.dataset, partnerIds, startMs: s.range.startMs, endMs: s.range.endMs },
        s.maxScanRows,
      );
    }
    const rows = ctx.sql.eventRows.search({
      table: s.dataset,
      partnerIds,
      startMs: s.range.startMs,
      endMs: s.range.endMs,
      afterId: s.cursor ? decodeCursor('after', s.cursor) : 0,
      limit: s.limit + 1,
      filters,
      updatedSinceMs: s.updatedSinceMs,
    });
    const more = rows.length > s.limit;
    const pageRows = more ? rows.slice(0, s.limit) : rows;
    const offerNames = new Map(ctx.sql.offers.list().map((o) => [o.id, o.name]));
    return {
      rows: pageRows.map((r) => present(s.dataset, r, partner, offerNames, moneyAs)),
      nextCursor: more ? encodeCursor('after', Number(pageRows.at(-1)!.id)) : null,
    };
  }
}

export type EventSearchService = ReturnType<typeof eventSearchService>;
