/**
 * CSV import of clicks, conversions and leads. The file is streamed (a file of millions of rows
 * never sits in memory), each row is validated and inserted inside one transaction on a
 * connection of its own, and every rejected row is written to a rejects file with its line
 * number and the reason. All-or-nothing mode rolls the whole file back if any row is rejected.
 */
import { parse as parseSync } from 'csv-parse/sync';
import type { ImportPreview } from '../../shared/admin-contract.ts';
import { createReadStream, existsSync } from 'node:fs';
import { invalid, isPartnergateError, PartnergateError } from '../../shared/errors.ts';
import { parseMoney } from '../../shared/money.ts';
import { CONVERSION_STATUSES, LEAD_STATUSES } from '../../shared/report-catalog.ts';
import type { ClickRecord, ConversionRecord, LeadRecord } from '../../shared/schemas.ts';
import type { Db } from '../db/connection.ts';
import { externalIdOf, naturalKeyOf, type EventRecord } from '../db/events.ts';
import { importStaging, openImportConnection, type ImportStaging } from '../db/import-staging.ts';
import { rollupStatements } from '../db/rollups.ts';
import { storageError } from '../db/storage-errors.ts';
import { accountStatements } from '../db/accounts.ts';
import { offerStatements } from '../db/offers.ts';
import { auditStatements } from '../db/audit.ts';
import { localMidnight } from './report-time.ts';
import { isTimeZone } from '../../shared/time-zone.ts';
import { openRejectsFile, type RejectsFile } from './rejects-file.ts';
import { writeWaiter } from './write-wait.ts';
import { readCsvRecords, type Parsed } from './csv-reader.ts';
import type { Checkpointer } from '../db/checkpointer.ts';

export const IMPORT_DATASETS = ['clicks', 'conversions', 'leads'] as const;
export type ImportDataset = (typeof IMPORT_DATASETS)[number];
export type ImportMode = 'all-or-nothing' | 'skip-invalid';
/**
 * `insert-only`: a row already stored is rejected. `upsert`: it takes the file's status and
 * amounts (never another partner, offer or currency), so a later export with changed statuses
 * or first deposits updates what is stored.
 */
export type ImportWrites = 'insert-only' | 'upsert';

interface FieldSpec {
  /** Header names accepted for the field, compared case- and punctuation-insensitively. */
  aliases: readonly string[];
  required: boolean;
}

const SUBS = (n: number): FieldSpec => ({
  aliases: [`sub${n}`, `sub_${n}`, n === 1 ? 'aff_sub' : `aff_sub${n}`, `subid${n}`],
  required: false,
});

/** What each dataset's CSV must or may hold, with the header names other tools use for it. */
export const IMPORT_FIELDS: Record<ImportDataset, Record<string, FieldSpec>> = {
  clicks: {
    time: {
      aliases: ['time', 'ts', 'timestamp', 'click_time', 'clicked_at', 'datetime'],
      required: true,
    },
    partner_id: { aliases: ['partner_id', 'partner', 'affiliate_id', 'ib_id'], required: true },
    offer_id: { aliases: ['offer_id', 'offer', 'campaign_id'], required: true },
    sub1: SUBS(1),
    sub2: SUBS(2),
    sub3: SUBS(3),
    sub4: SUBS(4),
    sub5: SUBS(5),
    country: { aliases: ['country', 'country_code', 'geo'], required: false },
    device: { aliases: ['device', 'device_type'], required: false },
    click_id: { aliases: ['click_id', 'clickid', 'transaction_ref'], required: false },
  },
  conversions: {
    time: {
      aliases: ['time', 'ts', 'timestamp', 'conversion_time', 'converted_at', 'datetime'],
      required: true,
    },
    partner_id: { aliases: ['partner_id', 'partner', 'affiliate_id', 'ib_id'], required: true },
    offer_id: { aliases: ['offer_id', 'offer', 'campaign_id'], required: true },
    status: { aliases: ['status', 'conversion_status'], required: true },
    revenue: { aliases: ['revenue', 'network_revenue'], required: false },
    payout: { aliases: ['payout', 'commission', 'affiliate_payout'], required: true },
    sale_amount: { aliases: ['sale_amount', 'sale', 'order_value', 'amount'], required: false },
    currency: { aliases: ['currency', 'currency_code'], required: false },
    sub1: SUBS(1),
    sub2: SUBS(2),
    sub3: SUBS(3),
    sub4: SUBS(4),
    sub5: SUBS(5),
    country: { aliases: ['country', 'country_code', 'geo'], required: false },
    device: { aliases: ['device', 'device_type'], required: false },
    click_id: { aliases: ['click_id', 'clickid'], required: false },
    transaction_id: {
      aliases: ['transaction_id', 'txn_id', 'order_id', 'conversion_id'],
      required: true,
    },
  },
  leads: {
    registered_at: {
      aliases: ['registered_at', 'registration_time', 'registered', 'time', 'signup_time'],
      required: true,
    },
    partner_id: { aliases: ['partner_id', 'partner', 'ib_id', 'affiliate_id'], required: true },
    offer_id: { aliases: ['offer_id', 'offer', 'campaign_id', 'campaign'], required: true },
    lead_ref: { aliases: ['lead_ref', 'lead_id', 'client_id', 'account_number'], required: true },
    country: { aliases: ['country', 'country_code', 'geo'], required: false },
    status: { aliases: ['status', 'lead_status'], required: true },
    ftd_at: { aliases: ['ftd_at', 'first_deposit_at', 'ftd_time', 'ftd_date'], required: false },
    ftd_amount: { aliases: ['ftd_amount', 'first_deposit_amount', 'ftd'], required: false },
    deposits: { aliases: ['deposits', 'total_deposits'], required: false },
    withdrawals: { aliases: ['withdrawals', 'total_withdrawals'], required: false },
    volume_lots: { aliases: ['volume_lots', 'volume', 'lots'], required: false },
    commission: { aliases: ['commission', 'ib_commission', 'payout'], required: false },
    currency: { aliases: ['currency', 'currency_code'], required: false },
  },
};

const normaliseHeader = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s\-.]+/g, '_');

export interface HeaderMapping {
  /** Field → header as written in the file. */
  fields: Record<string, string>;
  /** Headers that map to no field. */
  ignored: string[];
  missing: string[];
}

/** Matches a file's headers to a dataset's fields; `overrides` (field → header) win over aliases. */
export function mapHeaders(
  dataset: ImportDataset,
  headers: readonly string[],
  overrides: Record<string, string> = {},
): HeaderMapping {
  const spec = IMPORT_FIELDS[dataset];
  const byNorm = new Map(headers.map((h) => [normaliseHeader(h), h]));
  const fields: Record<string, string> = {};
  for (const [field, header] of Object.entries(overrides)) {
    if (!(field in spec))
      throw invalid(
        'unknown_import_field',
        `${field} is not a field of ${dataset} (fields: ${Object.keys(spec).join(', ')}).`,
      );
    if (!headers.includes(header))
      throw invalid(
        'unknown_import_header',
        `The file has no column "${header}" to map to ${field}.`,
      );
    fields[field] = header;
  }
  const used = new Set(Object.values(fields));
  for (const [field, f] of Object.entries(spec)) {
    if (fields[field]) continue;
    for (const alias of f.aliases) {
      const h = byNorm.get(alias);
      if (h !== undefined && !used.has(h)) {
        fields[field] = h;
        used.add(h);
        break;
      }
    }
  }
  const missing = Object.entries(spec)
    .filter(([field, f]) => f.required && !fields[field])
    .map(([field]) => field);
  return { fields, ignored: headers.filter((h) => !used.has(h)), missing };
}

class RowError extends Error {}

const NAIVE_DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const ZONED_DATETIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Reads a time as exports write it: ISO 8601 with an offset, a plain date-time in `tz`, a date, or epoch seconds/ms. */
export function parseTime(text: string, tz: string, field: string): number {
  const t = text.trim();
  let ms = NaN;
  if (/^\d{10}$/.test(t)) ms = Number(t) * 1000;
  else if (/^\d{13}$/.test(t)) ms = Number(t);
  else if (ZONED_DATETIME.test(t)) ms = Date.parse(t);
  else {
    const m =
      NAIVE_DATETIME.exec(t) ??
      (/^\d{4}-\d{2}-\d{2}$/.test(t) ? ([t, t, '00', '00'] as unknown as RegExpExecArray) : null);
    if (m) {
      const [, date, hh, mm, ss, frac] = m;
      const valid =
        !Number.isNaN(Date.parse(`${date}T00:00:00Z`)) &&
        new Date(`${date}T00:00:00Z`).toISOString().startsWith(date!);
      if (valid && Number(hh) < 24 && Number(mm) < 60 && Number(ss ?? 0) < 60) {
        const midnight = localMidnight(date!, tz);
        ms =
          midnight +
          ((Number(hh) * 60 + Number(mm)) * 60 + Number(ss ?? 0)) * 1000 +
          Number((frac ?? '').padEnd(3, '0'));
      }
    }
  }
  if (!Number.isFinite(ms) || ms < Date.UTC(2000, 0, 1) || ms > Date.UTC(2100, 0, 1)) {
    throw new RowError(
      `${field} "${text}" is not a valid date and time (use ISO 8601, e.g. 2026-03-01T14:05:00Z)`,
    );
  }
  return ms;
}

interface Lookups {
  partners: Set<number>;
  offerCurrency: Map<number, string>;
  tz: string;
}

function rowReader(record: Record<string, string>, mapping: Record<string, string>) {
  const get = (field: string): string => {
    const h = mapping[field];
    return h === undefined ? '' : (record[h] ?? '').trim();
  };
  const opt = (field: string, max = 200): string | null => {
    const v = get(field);
    if (v.length > max) throw new RowError(`${field} is longer than ${max} characters`);
    return v === '' ? null : v;
  };
  const req = (field: string): string => {
    const v = get(field);
    if (v === '') throw new RowError(`${field} is empty`);
    return v;
  };
  const money = (field: string, currency: string, required = false): number => {
    const v = required ? req(field) : get(field);
    if (v === '') return 0;
    try {
      return parseMoney(v, currency, field);
    } catch (e) {
      throw new RowError(isPartnergateError(e) ? e.message.replace(/\.$/, '') : String(e));
    }
  };
  return { get, opt, req, money };
}

function parseIdIn(
  text: string,
  field: string,
  known: { has(id: number): boolean },
  what: string,
): number {
  if (!/^\d{1,15}$/.test(text)) throw new RowError(`${field} "${text}" is not a whole number`);
  const id = Number(text);
  if (!known.has(id)) throw new RowError(`${what} ${id} does not exist`);
  return id;
}

function country(v: string | null): string | null {
  if (v === null) return null;
  if (!/^[A-Za-z]{2}$/.test(v)) throw new RowError(`country "${v}" is not a two-letter ISO code`);
  return v.toUpperCase();
}

function currencyOf(v: string, fallback: string | undefined): string {
  if (v === '') return fallback ?? 'USD';
  if (!/^[A-Za-z]{3}$/.test(v))
    throw new RowError(`currency "${v}" is not a three-letter ISO code`);
  return v.toUpperCase();
}

function subsOf(r: ReturnType<typeof rowReader>): ClickRecord['subs'] {
  return [r.opt('sub1'), r.opt('sub2'), r.opt('sub3'), r.opt('sub4'), r.opt('sub5')];
}

export function parseClickRow(
  record: Record<string, string>,
  mapping: Record<string, string>,
  l: Lookups,
): ClickRecord {
  const r = rowReader(record, mapping);
  return {
    ts: parseTime(r.req('time'), l.tz, 'time'),
    partnerId: parseIdIn(r.req('partner_id'), 'partner_id', l.partners, 'partner'),
    offerId: parseIdIn(r.req('offer_id'), 'offer_id', l.offerCurrency, 'offer'),
    subs: subsOf(r),
    country: country(r.opt('country')),
    device: r.opt('device', 50),
    clickId: r.opt('click_id'),
  };
}

/** The offer (which must exist), the row's currency (else the offer's), and a known status. */
function offerCurrencyStatus<S extends string>(
  r: ReturnType<typeof rowReader>,
  l: Lookups,
  statuses: readonly S[],
) {
  const offerId = parseIdIn(r.req('offer_id'), 'offer_id', l.offerCurrency, 'offer');
  const currency = currencyOf(r.get('currency'), l.offerCurrency.get(offerId));
  const status = r.req('status').toLowerCase();
  if (!(statuses as readonly string[]).includes(status)) {
    throw new RowError(`status "${status}" is not one of ${statuses.join(', ')}`);
  }
  return { offerId, currency, status: status as S };
}

export function parseConversionRow(
  record: Record<string, string>,
  mapping: Record<string, string>,
  l: Lookups,
): ConversionRecord {
  const r = rowReader(record, mapping);
  const { offerId, currency, status } = offerCurrencyStatus(r, l, CONVERSION_STATUSES);
  return {
    ts: parseTime(r.req('time'), l.tz, 'time'),
    partnerId: parseIdIn(r.req('partner_id'), 'partner_id', l.partners, 'partner'),
    offerId,
    status,
    revenue: r.money('revenue', currency),
    payout: r.money('payout', currency, true),
    saleAmount: r.money('sale_amount', currency),
    currency,
    subs: subsOf(r),
    country: country(r.opt('country')),
    device: r.opt('device', 50),
    clickId: r.opt('click_id'),
    transactionId: r.req('transaction_id').slice(0, 200),
  };
}

export function parseLeadRow(
  record: Record<string, string>,
  mapping: Record<string, string>,
  l: Lookups,
): LeadRecord {
  const r = rowReader(record, mapping);
  const { offerId, currency, status } = offerCurrencyStatus(r, l, LEAD_STATUSES);
  const registeredAt = parseTime(r.req('registered_at'), l.tz, 'registered_at');
  const ftdText = r.get('ftd_at');
  const ftdAt = ftdText === '' ? null : parseTime(ftdText, l.tz, 'ftd_at');
  const ftdAmount = r.money('ftd_amount', currency);
  if (ftdAt === null && ftdAmount > 0)
    throw new RowError('ftd_amount is given but ftd_at (the first-deposit time) is empty');
  if (ftdAt !== null && ftdAt < registeredAt) throw new RowError('ftd_at is before registered_at');
  const volumeText = r.get('volume_lots');
  if (volumeText !== '' && !/^\d+(\.\d{1,2})?$/.test(volumeText)) {
    throw new RowError(
      `volume_lots "${volumeText}" is not a non-negative number with at most 2 decimals`,
    );
  }
  return {
    registeredAt,
    partnerId: parseIdIn(r.req('partner_id'), 'partner_id', l.partners, 'partner'),
    offerId,
    leadRef: r.req('lead_ref').slice(0, 200),
    country: country(r.opt('country')),
    status,
    ftdAt,
    ftdAmount,
    deposits: r.money('deposits', currency),
    withdrawals: r.money('withdrawals', currency),
    volumeCentilots: volumeText === '' ? 0 : Math.round(Number(volumeText) * 100),
    commission: r.money('commission', currency),
    currency,
  };
}

export interface ImportOptions {
  dataset: ImportDataset;
  file: string;
  mode?: ImportMode;
  writes?: ImportWrites;
  /** Where rejected rows go; default: next to the file, `<file>.rejects.csv`. */
  rejectsFile?: string;
  /** Field → header overrides for files whose headers no alias matches. */
  mapping?: Record<string, string>;
  /** Time zone of times written without an offset (default UTC). */
  timezone?: string;
  /** Rows and bytes of the file read so far; `committing` once the rows move into the store. */
  onProgress?: (rowsRead: number, bytesRead: number, phase: ImportPhase) => void;
}

export type ImportPhase = 'reading' | 'committing';

export interface ImportResult {
  dataset: ImportDataset;
  file: string;
  mode: ImportMode;
  writes: ImportWrites;
  rowsRead: number;
  /** Rows taken: created + updated + unchanged. */
  imported: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** False when all-or-nothing rolled the file back. */
  committed: boolean;
  rejectsFile: string | null;
  mapping: Record<string, string>;
  ignoredColumns: string[];
}

export interface ImportDeps {
  /** Path of the database file; the import writes through a connection of its own. */
  databaseFile: string;
  actor: string;
  now: () => number;
  /** How long the final step waits for another process's write lock (default 2 minutes). */
  lockWaitMs?: number;
  /**
   * In a serving process, the thread that checkpoints and syncs (see ServiceContext): the
   * import's commit then does not wait for the disk on the event loop; it awaits the sync.
   */
  background?: Pick<Checkpointer, 'sync'> | null;
}

/** Lets the event loop run (other requests of this process) between steps of the final write. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Rows moved into the store per step of the final transaction; the event loop runs between steps. */
const MOVE_CHUNK = 1_000;
/** Staged rows per temp-table transaction while the file is read. */
const STAGE_BATCH = 500;

export type { Parsed };

/** A CSV file's rows as the import reads them, streamed. */
export function csvRows(file: string): AsyncIterable<Parsed> {
  return readCsvRecords(createReadStream(file));
}

const KEY_FIELD: Record<ImportDataset, string | null> = {
  clicks: null,
  conversions: 'transaction_id',
  leads: 'lead_ref',
};

function parseRow(
  dataset: ImportDataset,
  record: Record<string, string>,
  fields: Record<string, string>,
  l: Lookups,
): EventRecord[ImportDataset] {
  if (dataset === 'clicks') return parseClickRow(record, fields, l);
  if (dataset === 'conversions') return parseConversionRow(record, fields, l);
  return parseLeadRow(record, fields, l);
}

/** Imports a CSV file: its rows, with a rejects file beside it (`<file>.rejects.csv`). */
export async function importCsv(deps: ImportDeps, o: ImportOptions): Promise<ImportResult> {
  if (!existsSync(o.file)) throw invalid('file_not_found', `There is no file ${o.file}.`);
  const { file, rejectsFile, ...rest } = o;
  const rejects = openRejectsFile(rejectsFile ?? `${file}.rejects.csv`);
  try {
    const r = await importRows(deps, { ...rest, name: file, rows: () => csvRows(file), rejects });
    return { ...r, file, rejectsFile: await rejects.commit() };
  } catch (e) {
    await rejects.discard();
    throw e;
  }
}

/** Rows to import, from a file or a source's pull: read twice at most (for rows stored meanwhile). */
export interface ImportRowsOptions extends Omit<ImportOptions, 'file' | 'rejectsFile'> {
  /** What the rows are called in errors and the audit log (the file, the source's name). */
  name: string;
  rows: () => AsyncIterable<Parsed> | Iterable<Parsed>;
  /** Where rejected rows go; the caller commits or discards it. */
  rejects: RejectsFile;
  /** No rows at all is an empty import, not an error (a source's batch whose rows were all held). */
  allowEmpty?: boolean;
  /** Field → header overrides chosen once the headers are known (instead of `mapping`). */
  mappingOf?: (headers: string[]) => Record<string, string>;
}

export type ImportRowsResult = Omit<ImportResult, 'file' | 'rejectsFile'>;

/**
 * Imports rows in two steps. First the rows are read, each checked and staged in a
 * temporary table of the import's own connection, holding no lock on the store, so other
 * writers (postbacks, admin commands) go on meanwhile. Then, if the import goes ahead, the
 * staged rows move into the store in one transaction (all or nothing), in chunks between
 * which the event loop runs.
 */
export async function importRows(
  deps: ImportDeps,
  o: ImportRowsOptions,
): Promise<ImportRowsResult> {
  const mode = o.mode ?? 'all-or-nothing';
  const writes = o.writes ?? 'insert-only';
  const tz = o.timezone ?? 'UTC';
  if (!isTimeZone(tz)) throw invalid('invalid_timezone', `"${tz}" is not an IANA time zone.`);
  const table = o.dataset;
  const rejects = o.rejects;
  // A source's run shares one rejects file between its batches: count this batch's only.
  const rejectedBefore = rejects.count;
  const rejectedNow = () => rejects.count - rejectedBefore;

  const background = deps.background ?? null;
  const db: Db = openImportConnection(deps.databaseFile, background !== null);
  const whenWritable = writeWaiter(db, deps.databaseFile);
  const rollups = rollupStatements(db);
  const lookups: Lookups = {
    partners: new Set(accountStatements(db).partnerIds()),
    offerCurrency: offerStatements(db).currencyById(),
    tz,
  };
  let staging: ImportStaging | null = null;
  let mapping: HeaderMapping | null = null;
  let headers: string[] = [];
  let rowsRead = 0;
  let bytesRead = 0;
  let imported = 0;
  let updated = 0;
  let unchanged = 0;
  let committed = false;
  try {
    staging = importStaging(db, table);
    const keyField = KEY_FIELD[table];
    staging.beginBatch();
    for await (const { record, info } of o.rows()) {
      if (!mapping) {
        headers = Object.keys(record);
        mapping = mapHeaders(table, headers, o.mappingOf ? o.mappingOf(headers) : o.mapping);
        if (mapping.missing.length) {
          throw invalid(
            'missing_columns',
            `${o.name} has no column for ${mapping.missing.join(', ')} (its columns: ${headers.join(', ')}); rename the header or map it.`,
          );
        }
      }
      rowsRead++;
      try {
        const row = parseRow(table, record, mapping.fields, lookups);
        const key = naturalKeyOf(table, row);
        const id = externalIdOf(table, row);
        if (key && writes === 'insert-only' && staging.isStored(key))
          throw new RowError(`${keyField} "${id}" is already stored`);
        const stored = key && writes === 'upsert' ? staging.storedIdentity(key) : null;
        if (stored && movesRow(stored, row))
          throw new RowError(
            `${keyField} "${id}" is stored for partner ${String(stored.partner_id)}, offer ${String(stored.offer_id)} in ${String(stored.currency)}; sent again, a row may change its status and amounts, not whose it is, its offer or its currency`,
          );
        const owner = id === null ? null : staging.ownerElsewhere(id, row.partnerId);
        if (owner !== null)
          throw new RowError(
            `${keyField} "${id}" belongs to a conversion of partner ${owner}; a conversion does not move to another partner`,
          );
        const staged = staging.stage(info.lines, row);
        if (!staged.ok)
          throw new RowError(
            `${keyField} "${id}" appears earlier in this file (line ${staged.earlierLine})`,
          );
        imported++;
      } catch (e) {
        if (!(e instanceof RowError)) throw e;
        await rejects.write(info.lines, e.message, record, headers);
      }
      bytesRead = info.bytes;
      if (rowsRead % STAGE_BATCH === 0) {
        staging.endBatch();
        o.onProgress?.(rowsRead, bytesRead, 'reading');
        // Rows read from memory (a source's batch) never wait on I/O: let requests in here.
        await nextTurn();
        staging.beginBatch();
      }
    }
    staging.endBatch();
    if (!mapping) {
      if (!o.allowEmpty) throw invalid('empty_file', `${o.name} has no rows (or no header line).`);
      mapping = { fields: {}, ignored: [], missing: [] };
    }
    o.onProgress?.(rowsRead, bytesRead, 'committing');

    let lateLines: number[] = [];
    // A source's batch with nothing to take (every row held or rejected) takes no lock at all.
    if (o.allowEmpty && imported === 0 && (rejectedNow() === 0 || mode === 'skip-invalid'))
      committed = true;
    else if (rejectedNow() === 0 || mode === 'skip-invalid') {
      const move = staging;
      await whenWritable(() => move.beginMove(), { waitMs: deps.lockWaitMs ?? 120_000 });
      try {
        // Rows whose key another writer stored while the file was read are rejected now
        // (in an upsert, only those that would move a row to another partner, offer or currency).
        const existing = writes === 'upsert' ? staging.existingRows() : [];
        lateLines =
          writes === 'upsert'
            ? existing.filter((r) => r.moves).map((r) => r.line)
            : staging.storedMeanwhile();
        if (lateLines.length === 0 || mode === 'skip-invalid') {
          staging.drop(lateLines);
          imported -= lateLines.length;
          const storedAt = deps.now();
          // Rows sent again, a chunk at a time: out of the rollups as they were, changed, back
          // in as they are (a few statements per chunk, not per row).
          const changing = existing.filter((r) => !r.moves && r.changed);
          unchanged = existing.filter((r) => !r.moves && !r.changed).length;
          const roll = changing.length ? rollups.changing(table) : null;
          for (let i = 0; i < changing.length; i += MOVE_CHUNK) {
            staging.mark(changing.slice(i, i + MOVE_CHUNK));
            roll!.out();
            staging.applyMarked(storedAt);
            roll!.in();
            updated += Math.min(MOVE_CHUNK, changing.length - i);
            // As for the rows moved in below: other requests of this process get their turn.
            await nextTurn();
          }
          staging.drop(existing.filter((r) => !r.moves).map((r) => r.line));
          let after = 0;
          for (;;) {
            const before = rollups.maxIds()[table];
            const last = staging.moveNext(after, MOVE_CHUNK, storedAt);
            if (last === null) break;
            rollups.rollUpRange(table, before, rollups.maxIds()[table]);
            after = last;
            // The lock is held, but other requests of this process still get their turn.
            await nextTurn();
          }
          auditStatements(db).insert({
            at: deps.now(),
            actor: deps.actor,
            action: `import.${table}`,
            entityType: 'import',
            entityId: null,
            before: null,
            after: {
              file: o.name,
              mode,
              writes,
              rowsRead,
              imported,
              created: imported - updated - unchanged,
              updated,
              unchanged,
              rejected: rejectedNow() + lateLines.length,
            },
          });
          staging.commitMove();
          // Stored once it is on disk; the sync runs off the event loop.
          await background?.sync();
          committed = true;
        } else staging.rollback();
      } catch (e) {
        staging.rollback();
        throw e;
      }
    }
    if (lateLines.length)
      await rejectLines(o.rows, new Set(lateLines), rejects, headers, {
        field: keyField!,
        header: mapping.fields[keyField!]!,
      });
  } catch (e) {
    staging?.rollback();
    if (e instanceof PartnergateError) throw e;
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('CSV_')) {
      throw invalid('invalid_csv', `${o.name} is not valid CSV: ${(e as Error).message}`);
    }
    throw storageError(e, deps.databaseFile) ?? e;
  } finally {
    o.onProgress?.(rowsRead, bytesRead, committed ? 'committing' : 'reading');
    staging?.close();
    db.close();
  }
  return {
    dataset: table,
    mode,
    writes,
    rowsRead,
    imported: committed ? imported : 0,
    created: committed ? imported - updated - unchanged : 0,
    updated: committed ? updated : 0,
    unchanged: committed ? unchanged : 0,
    rejected: rejectedNow(),
    committed,
    mapping: mapping.fields,
    ignoredColumns: mapping.ignored,
  };
}

/** Whether a row sent again names another partner, offer or currency than the stored one. */
function movesRow(stored: Record<string, unknown>, row: EventRecord[ImportDataset]): boolean {
  const currency = 'currency' in row ? row.currency : stored.currency;
  return (
    stored.partner_id !== row.partnerId ||
    stored.offer_id !== row.offerId ||
    stored.currency !== currency
  );
}

/** Writes the rows of the given lines to the rejects file, read again from their start. */
async function rejectLines(
  rows: () => AsyncIterable<Parsed> | Iterable<Parsed>,
  lines: Set<number>,
  rejects: RejectsFile,
  headers: string[],
  key: { field: string; header: string },
): Promise<void> {
  for await (const { record, info } of rows()) {
    if (!lines.has(info.lines)) continue;
    await rejects.write(
      info.lines,
      `${key.field} "${(record[key.header] ?? '').trim()}" was stored by another writer while this file was imported`,
      record,
      headers,
    );
    lines.delete(info.lines);
    if (lines.size === 0) break;
  }
}

/** The first lines of a file as the import would read them: headers, the mapping found, a sample. */
export function previewImport(dataset: ImportDataset, head: string): ImportPreview {
  // The first lines of the file only: the last one may be cut mid-row.
  const lines = head.split(/\r?\n/).slice(0, 12).join('\n');
  const table: string[][] = parseSync(lines, {
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  });
  const headers = table[0] ?? [];
  const rows = table
    .slice(1, 11)
    .map((r) => Object.fromEntries(headers.map((h, i) => [h, r[i] ?? ''])));
  const m = mapHeaders(dataset, headers);
  return {
    headers,
    mapping: m.fields,
    missing: m.missing,
    ignored: m.ignored,
    sample: rows,
    fields: Object.entries(IMPORT_FIELDS[dataset]).map(([id, f]) => ({
      id,
      required: f.required,
    })),
  };
}
