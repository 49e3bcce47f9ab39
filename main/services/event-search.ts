/** Row-level clicks, conversions and leads as an account may see them, paged by cursor. */
import { invalid, PartnergateError } from '../../shared/errors.ts';
import { shown } from '../../shared/validation.ts';
import { isoInstant } from '../../shared/time-zone.ts';
import {
  CsvFromJsonRows,
  csvRecord,
  numeral,
  type CsvCell,
  type JsonRowCell,
} from '../../shared/csv.ts';
import { majorUnitsText, toMajorUnits } from '../../shared/money.ts';
import type { Account } from '../../shared/schemas.ts';
import {
  EVENT_COLUMNS,
  type EventRow,
  type EventRowQuery,
  type EventValues,
} from '../db/event-rows.ts';
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
/** Rows in one part of a streamed answer. */
const STREAM_PART = 1000;
/** Parts of a CSV stream read ahead of the one being written. */
const READ_AHEAD = 2;
/** Ids read from the index at a time while an answer streams (8 bytes each). */
const ID_WINDOW = 200_000;
const PARTNER_AT = EVENT_COLUMNS.conversions.indexOf('partner_id');
const TIMES = ['ts', 'registered_at', 'ftd_at', 'updated_at'];

/** A stored column's name as the API shows it. */
function shownName(table: EventTable, column: string): string {
  return column === 'ts' ? 'time' : (SCALED[table].get(column)?.as ?? column);
}

/** How one stored value is shown: where it is in the stored row, under which name, and how. */
interface Shown {
  at: number;
  name: string;
  as: 'time' | 'money' | 'scaled' | 'value' | 'offer name';
  factor: number;
}

/**
 * What is read of a row of one table for one kind of account, and how it is shown: a partner's
 * rows are read without the columns it never receives.
 */
interface Layout {
  table: EventTable;
  /** The stored columns read, in `EVENT_COLUMNS` order. */
  stored: readonly string[];
  /** What the answer shows, in `rowColumns` order. */
  shown: readonly Shown[];
  currencyAt: number;
}

function layout(table: EventTable, partner: boolean): Layout {
  const stored = EVENT_COLUMNS[table].filter((c) => !(partner && PARTNER_HIDDEN[table].has(c)));
  const shown: Shown[] = [];
  stored.forEach((c, at) => {
    const scaled = SCALED[table].get(c);
    shown.push({
      at,
      name: shownName(table, c),
      as: TIMES.includes(c) ? 'time' : MONEY[table].has(c) ? 'money' : scaled ? 'scaled' : 'value',
      factor: scaled?.factor ?? 1,
    });
    if (c === 'offer_id') shown.push({ at, name: 'offer', as: 'offer name', factor: 1 });
  });
  return { table, stored, shown, currencyAt: stored.indexOf('currency') };
}

const LAYOUTS = perTable((t) => ({ partner: layout(t, true), employee: layout(t, false) }));
const layoutFor = (table: EventTable, account: Pick<Account, 'kind'>): Layout =>
  LAYOUTS[table][account.kind === 'employee' ? 'employee' : 'partner'];

/**
 * How the CSV writer makes a layout's cells straight from rows SQLite wrote as JSON: what
 * `shownValues` does for times, offer names, money and values as they are. Null for a layout
 * with scaled columns, whose rows are written from their values.
 */
function jsonCsv(l: Layout, offerNames: ReadonlyMap<number, string>): CsvFromJsonRows | null {
  const plan: JsonRowCell[] = [];
  for (const s of l.shown) {
    if (s.as === 'scaled') return null;
    plan.push(
      s.as === 'time'
        ? { from: s.at, as: 'instant' }
        : s.as === 'offer name'
          ? { from: s.at, as: 'lookup', names: offerNames }
          : s.as === 'money'
            ? { from: s.at, as: 'numeral', unitFrom: l.currencyAt, text: moneyText }
            : { from: s.at, as: 'value' },
    );
  }
  return new CsvFromJsonRows(plan);
}

/** A row's currency: USD when the row names none. */
function currencyOf(value: string | number | null): string {
  return typeof value === 'string' ? value : 'USD';
}

/** Money in a row's currency, with the currency's digits. */
function moneyText(minor: number, currency: string | number | null): string {
  return majorUnitsText(minor, currencyOf(currency));
}

/** The columns a row of `table` has for this account, as the API names them, in order. */
export function rowColumns(table: EventTable, account: Pick<Account, 'kind'>): string[] {
  return layoutFor(table, account).shown.map((x) => x.name);
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
  /**
   * A stored row's values as this account may see them, in `rowColumns` order, written into
   * `out` (a stream reuses one array for every row).
   */
  function shownValues(
    { shown, currencyAt }: Layout,
    values: EventValues,
    offerNames: Map<number, string>,
    moneyAs: MoneyAs,
    out: CsvCell[] = [],
  ): CsvCell[] {
    const currency = currencyOf(currencyAt >= 0 ? values[currencyAt]! : null);
    for (let i = 0; i < shown.length; i++) {
      const s = shown[i]!;
      const v = values[s.at]!;
      switch (s.as) {
        case 'time':
          out[i] = v === null ? null : isoInstant(Number(v));
          break;
        case 'money':
          out[i] =
            typeof v !== 'number'
              ? v
              : moneyAs === 'csv'
                ? numeral(majorUnitsText(v, currency))
                : toMajorUnits(v, currency);
          break;
        case 'scaled':
          out[i] = Math.round(Number(v) * s.factor * 1e6) / 1e6;
          break;
        case 'offer name':
          out[i] = offerNames.get(Number(v)) ?? null;
          break;
        default:
          out[i] = v;
      }
    }
    return out;
  }

  /** A stored row as this account may see it, as an object keyed by `rowColumns`. */
  function present(
    l: Layout,
    values: EventValues,
    offerNames: Map<number, string>,
  ): Record<string, string | number | null> {
    const cells = shownValues(l, values, offerNames, 'number');
    const out: Record<string, string | number | null> = {};
    for (let i = 0; i < l.shown.length; i++)
      out[l.shown[i]!.name] = cells[i] as string | number | null;
    return out;
  }

  const offerNames = () => new Map(ctx.sql.offers.list().map((o) => [o.id, o.name]));

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
      const l = layoutFor(table, account);
      return present(
        l,
        l.stored.map((c) => raw[c] ?? null),
        offerNames(),
      );
    },

    page(s: EventSearch): EventPage {
      const l = layoutFor(s.dataset, s.account);
      // The page's ids from the index first, then only its rows: the range's other rows are
      // never read whole.
      const ids = ctx.sql.eventRows.searchIds({
        ...stored(s),
        afterId: s.cursor ? decodeCursor('after', s.cursor) : 0,
        limit: s.limit + 1,
      });
      const more = ids.length > s.limit;
      const pageIds = more ? ids.subarray(0, s.limit) : ids;
      const rows = pageIds.length ? ctx.sql.eventRows.byIds(s.dataset, l.stored, pageIds) : [];
      const names = offerNames();
      return {
        rows: rows.map((r) => present(l, r, names)),
        nextCursor: more ? encodeCursor('after', pageIds.at(-1)!) : null,
      };
    },

    /**
     * Every row of a search from its cursor on, as CSV (through the one writer, with a header
     * line first when asked) or NDJSON, in parts of at most `STREAM_PART` rows: each part is
     * one short piece of work, so a caller can let other requests run between parts. The ids
     * are read from the index a window at a time and each part fetched by id, so a long answer
     * is neither sorted again for every part nor held in memory whole.
     *
     * In a serving process the ids and a CSV's rows are read on the database thread, and the
     * next parts' rows (`READ_AHEAD`) are asked for before this one is written: SQLite reads
     * while this thread writes, and the statements take no time from other requests.
     */
    async *stream(
      s: EventSearch,
      format: 'csv' | 'ndjson',
      o: {
        header: boolean;
        /** Rows per part (default `STREAM_PART`). */
        partRows?: number;
        /** Ids read at a time (default `ID_WINDOW`). */
        windowRows?: number;
      },
    ): AsyncGenerator<{ data: Buffer; rows: number }, void, undefined> {
      const part = o.partRows ?? STREAM_PART;
      const window = o.windowRows ?? ID_WINDOW;
      const l = layoutFor(s.dataset, s.account);
      const q = stored(s);
      const rowsOf = ctx.sql.eventRows;
      let after = s.cursor ? decodeCursor('after', s.cursor) : 0;
      let header = o.header && format === 'csv';
      const cells: CsvCell[] = [];
      for (;;) {
        const thread = ctx.background;
        const ids = await rowsOf.searchIdsOn(thread, { ...q, afterId: after, limit: window });
        const offers = offerNames();
        const fromJson = format === 'csv' ? jsonCsv(l, offers) : null;
        /** The JSON of the part starting at `i`, asked for now (null past the last). */
        const ask = (i: number) => {
          if (!fromJson || i >= ids.length) return null;
          const json = rowsOf.jsonByIdsOn(thread, s.dataset, l.stored, ids.subarray(i, i + part));
          // Not awaited when the caller stops reading: its failure then goes nowhere.
          json.catch(() => {});
          return json;
        };
        // Parts asked for and not yet written, in order: with two, the thread has another to
        // read as soon as it finishes one, however long this loop takes to come back.
        const asked = Array.from({ length: READ_AHEAD }, (_, k) => ask(k * part));
        for (let i = 0; i < ids.length || header; i += part) {
          const partIds = ids.subarray(i, i + part);
          const head = header ? csvRecord(l.shown.map((x) => x.name)) : '';
          header = false;
          if (fromJson) {
            const json = await asked.shift();
            asked.push(ask(i + READ_AHEAD * part));
            const { bytes, rows } = json
              ? fromJson.records(json)
              : { bytes: new Uint8Array(0), rows: 0 };
            const data = bufferOf(bytes);
            yield { data: head ? Buffer.concat([Buffer.from(head), data]) : data, rows };
          } else {
            const rows = partIds.length
              ? ctx.sql.eventRows.byIds(s.dataset, l.stored, partIds)
              : [];
            // Each line is encoded into one buffer for the part as it is made: no string of
            // the whole part, so nothing the size of a part outlives the young generation.
            const out = new PartWriter(rows.length * 128 + 1024);
            if (head) out.line(head);
            if (format === 'csv')
              for (const r of rows) out.line(csvRecord(shownValues(l, r, offers, 'csv', cells)));
            else for (const r of rows) out.line(`${JSON.stringify(present(l, r, offers))}\n`);
            yield { data: out.done(), rows: rows.length };
          }
          if (!ids.length) return;
        }
        if (ids.length < window) return;
        after = ids.at(-1)!;
      }
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
      const l = layoutFor('conversions', account);
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
          `Transaction id "${shown(transactionId)}" is recorded for partners ${rows.map((r) => r[PARTNER_AT]).join(', ')}; add partner= to pick one.`,
          [{ field: 'partner', message: 'needed: several partners use this transaction id' }],
        );
      const row = rows[0]!;
      return present(
        l,
        l.stored.map((c) => row[EVENT_COLUMNS.conversions.indexOf(c)] ?? null),
        offerNames(),
      );
    },
  };

  /** A search as the stored rows are asked for: the partners it may read, checked for cost. */
  function stored(s: EventSearch): Omit<EventRowQuery, 'afterId' | 'limit'> {
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
    return {
      table: s.dataset,
      partnerIds,
      startMs: s.range.startMs,
      endMs: s.range.endMs,
      filters,
      updatedSinceMs: s.updatedSinceMs,
    };
  }
}

export type EventSearchService = ReturnType<typeof eventSearchService>;

/** Bytes as a Buffer over the same memory. */
function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A part of a streamed answer, encoded as UTF-8 line by line into a buffer that grows. */
class PartWriter {
  private buf: Buffer;
  private length = 0;
  /** Lines not yet encoded: a few kilobytes are encoded at a time, not each line on its own. */
  private text = '';
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  line(text: string): void {
    this.text += text;
    if (this.text.length >= 8192) this.encode();
  }
  private encode(): void {
    const text = this.text;
    this.text = '';
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit.
    if (this.length + text.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(
        Math.max(this.buf.length * 2, this.length + text.length * 3),
      );
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(text, this.length);
  }
  done(): Buffer {
    this.encode();
    return this.buf.subarray(0, this.length);
  }
}
