/**
 * The one CSV writer. Every CSV Partnergate writes (partner API, CLI, rejects files, admin
 * exports) is built here, so every one of them:
 * - reads back through a standard CSV parser to exactly the cells written: a cell holding a
 *   quote, a comma, a lone LF or CR, or any control character is quoted, never split;
 * - holds no cell a spreadsheet would evaluate (OWASP "CSV injection"): a text cell whose first
 *   character is = + - @ (or their full-width forms ＝ ＋ － ＠), a tab, CR, LF or other control
 *   character, or whose first character after leading spaces is one of those, gets a leading `'`,
 *   so Excel, LibreOffice and Google Sheets show it as text.
 * Numbers are data, not formulas: a JS number and a `numeral` (money written with its currency's
 * digits, `-12.50`) are written as they are.
 * Streamed rows may come as SQLite writes them in JSON (`CsvFromJsonRows`): the cells it can
 * prove plain are copied from those bytes, every other row goes through `csvRecord`, and the
 * file is the same byte for byte either way.
 */
import { isoInstant, writeIsoInstant } from './time-zone.ts';

/** Numeric text the writer trusts not to be a formula: `12.50`, `-3`, `1200`. */
export class CsvNumeral {
  readonly text: string;
  constructor(text: string) {
    if (!NUMERAL.test(text)) throw new Error(`"${text}" is not a plain decimal number`);
    this.text = text;
  }
}

export type CsvCell = string | number | boolean | null | undefined | CsvNumeral;

const NUMERAL = /^-?\d+(\.\d+)?$/;

/** Written as is: digits with an optional sign and decimals. */
export function numeral(text: string): CsvNumeral {
  return new CsvNumeral(text);
}

/** Characters a spreadsheet starts a formula with, ASCII and full-width. */
const FORMULA_START = /^[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/;
/** Whitespace and controls some spreadsheets skip (or import trims) before looking for `=`. */
const LEADING_BLANKS = /^[\s\p{Cc}\p{Cf}]+/u;
const CONTROL_START = /^[\p{Cc}]/u;

/** Printable ASCII other than the space (`!` to `~`), by character code. */
function printable(code: number): boolean {
  return code > 0x20 && code < 0x7f;
}

/** = + - @: the ASCII characters a formula starts with, by character code. */
function formulaStart(code: number): boolean {
  return code === 0x3d || code === 0x2b || code === 0x2d || code === 0x40;
}

/** Whether a spreadsheet could take this text cell for a formula. */
export function looksLikeFormula(text: string): boolean {
  if (text === '') return false;
  // Printable ASCII other than = + - @ starts no formula: decided without a regular expression.
  const first = text.charCodeAt(0);
  if (printable(first)) return formulaStart(first);
  if (CONTROL_START.test(text)) return true;
  return FORMULA_START.test(text.replace(LEADING_BLANKS, ''));
}

/** A cell as it is written: text that could be a formula gets a leading `'`. */
export function neutraliseCell(value: CsvCell): string {
  if (typeof value === 'string') return looksLikeFormula(value) ? `'${value}` : value;
  if (value === null || value === undefined) return '';
  if (value instanceof CsvNumeral) return value.text;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return value ? 'true' : 'false';
}

/**
 * Whether a written cell must be quoted: it holds a quote, a comma, a CR or an LF (any of which
 * a parser would read as structure), or starts or ends with whitespace (which parsers that
 * trim unquoted fields would lose).
 */
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** A cell's text as it stands in the file: quoted, with its quotes doubled, when it must be. */
function field(text: string): string {
  if (text === '') return text;
  // Most cells are plain ASCII: decide on them without a regular expression.
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (printable(first) && printable(last) && !holdsStructure(text)) return text;
  if (!NEEDS_QUOTES.test(text)) return text;
  return `"${text.includes('"') ? text.replaceAll('"', '""') : text}"`;
}

/** Whether text holds a quote, a comma, a CR or an LF. */
function holdsStructure(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x2c || c === 0x0d || c === 0x0a) return true;
  }
  return false;
}

/**
 * A cell as it stands in the file: `field(neutraliseCell(value))`. Only text can need quotes:
 * a number, a numeral or a boolean is written without looking for them.
 */
function fileCell(value: CsvCell): string {
  return typeof value === 'string' ? field(neutraliseCell(value)) : neutraliseCell(value);
}

/** One record as CSV text, ending with CRLF. */
export function csvRecord(cells: readonly CsvCell[]): string {
  let line = cells.length ? fileCell(cells[0]) : '';
  for (let i = 1; i < cells.length; i++) line += `,${fileCell(cells[i])}`;
  return `${line}\r\n`;
}

/** Records as CSV text, each ending with CRLF (no header: for writing a file in parts). */
export function csvRecords(rows: readonly (readonly CsvCell[])[]): string {
  let text = '';
  for (const r of rows) text += csvRecord(r);
  return text;
}

/** A whole CSV document: the header line, then the rows. */
export function csvDocument(
  header: readonly string[],
  rows: readonly (readonly CsvCell[])[],
): string {
  return csvRecords([header, ...rows]);
}

/** Rows given as objects, written in the order of `columns` (which is also the header). */
export function csvFromObjects(
  columns: readonly string[],
  rows: readonly Record<string, CsvCell>[],
  o: { header?: boolean } = {},
): string {
  const body = rows.map((r) => columns.map((c) => r[c]));
  return o.header === false ? csvRecords(body) : csvDocument(columns, body);
}

/**
 * How one cell of a record is made from one value of a row that SQLite wrote as a JSON array
 * (`json_array(...)`); `from` is the value's place in that array.
 * - `value`: the value as it is (a number, text or null);
 * - `instant`: epoch milliseconds, written as `isoInstant` writes them (anything else, such as
 *   text or a number beyond any date, as it is);
 * - `lookup`: an integer key, written as the text `names` holds for it (empty when none);
 * - `numeral`: a number, written as the decimal text `text` makes of it and of the row's value
 *   at `unitFrom` (minor units of that currency as major units, say); anything else as it is.
 */
export type JsonRowCell =
  | { from: number; as: 'value' | 'instant' }
  | { from: number; as: 'lookup'; names: ReadonlyMap<number, string> }
  | {
      from: number;
      as: 'numeral';
      unitFrom: number;
      text: (value: number, unit: string | number | null) => string;
    };

/** JSON's bytes the reader looks for. */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const LETTER_N = 0x6e;
const MINUS = 0x2d;
/** What a JSON value in a row is, as far as writing it is concerned. */
const NUMBER = 0;
/** A whole number of up to `MAX_DIGITS` digits (`-` first at most): copied as it is. */
const INTEGER = 5;
const TEXT = 1;
const NULL = 2;
/** Text holding an escape (a quote, a backslash or a control character): left to the writer. */
const ESCAPED = 3;
/** Text holding a comma: quoted. */
const TEXT_WITH_COMMA = 4;
/** The furthest instant from 1970 a `Date` holds, in milliseconds. */
const LAST_INSTANT = 8.64e15;
/** How a cell is made (`JsonRowCell.as`). */
const AS_VALUE = 0;
const AS_INSTANT = 1;
const AS_LOOKUP = 2;
const AS_NUMERAL = 3;
/** The most characters a numeral is written with in the room made for a row. */
const NUMERAL_ROOM = 32;
/** The longest integer copied as its digits: every one of up to 15 digits is a safe integer. */
const MAX_DIGITS = 15;
const WHITESPACE = /\s/;
/** The WHATWG text codecs: global in Node, Electron and browsers, though ES's types lack them. */
const codecs = globalThis as unknown as {
  TextEncoder: new () => {
    encode(text: string): Uint8Array;
    encodeInto(text: string, into: Uint8Array): { written: number };
  };
  TextDecoder: new () => { decode(bytes: Uint8Array): string };
};
const utf8 = new codecs.TextEncoder();
const fromUtf8 = new codecs.TextDecoder();

/**
 * Rows SQLite wrote as one JSON array of arrays (`json_group_array(json_array(...))`, read as
 * UTF-8 bytes), written as CSV records (CRLF after each): byte for byte what
 * `csvRecords(rows.map((r) => plan.cells(r)))` writes, without making a JavaScript value of
 * each cell. Cells that are plain (digits, or ASCII-led text that holds no escape) are copied
 * from the JSON as they are, quoted when they hold a comma and marked with `'` when they start
 * a formula; a row with any other cell is parsed and written by `csvRecord`.
 */
export class CsvFromJsonRows {
  private readonly plan: readonly JsonRowCell[];
  /** The plan as numbers, read once a cell: each cell's value's place, and how it is made. */
  private readonly froms: Int32Array;
  private readonly ases: Uint8Array;
  /** Each lookup's names as their cells stand in the file, in UTF-8. */
  private readonly lookups: (Map<number, Uint8Array> | null)[];
  /** The most bytes one row's instants and lookups can add. */
  private readonly extra: number;
  /** The most cells that copy the same value. */
  private readonly copies: number;
  /** Room a row needs beside its copied values. */
  private readonly fixedRoom: number;
  /** Where each value of the row being read starts and ends in the JSON, and what it is. */
  private starts = new Int32Array(16);
  private ends = new Int32Array(16);
  private kinds = new Uint8Array(16);
  /** How many values the row being read has. */
  private count = 0;
  /** How many rows `records` read last. */
  private rows = 0;
  /** The last unit a numeral was written with, as bytes and as text. */
  private lastUnit = new Uint8Array(0);
  private lastUnitText = '';
  private out = new Uint8Array(0);

  constructor(plan: readonly JsonRowCell[]) {
    this.plan = plan;
    let extra = 0;
    this.lookups = plan.map((c) => {
      if (c.as === 'instant') extra += 24;
      if (c.as === 'numeral') extra += NUMERAL_ROOM;
      if (c.as !== 'lookup') return null;
      const cells = new Map<number, Uint8Array>();
      let longest = 0;
      for (const [key, name] of c.names) {
        const bytes = utf8.encode(fileCell(name));
        cells.set(key, bytes);
        longest = Math.max(longest, bytes.length);
      }
      extra += longest;
      return cells;
    });
    this.extra = extra;
    const uses = new Map<number, number>();
    for (const c of plan) if (c.as === 'value') uses.set(c.from, (uses.get(c.from) ?? 0) + 1);
    this.copies = Math.max(1, ...uses.values());
    this.fixedRoom = extra + 4 * plan.length + 2;
    this.froms = Int32Array.from(plan, (c) => c.from);
    this.ases = Uint8Array.from(plan, (c) =>
      c.as === 'value'
        ? AS_VALUE
        : c.as === 'instant'
          ? AS_INSTANT
          : c.as === 'lookup'
            ? AS_LOOKUP
            : AS_NUMERAL,
    );
  }

  /** A row's cells as the plan makes them from its values. */
  cells(values: readonly unknown[]): CsvCell[] {
    return this.plan.map((c) => {
      const v = values[c.from] as string | number | null | undefined;
      if (v === null || v === undefined) return null;
      if (c.as === 'instant')
        return typeof v === 'number' && Math.abs(v) <= LAST_INSTANT ? isoInstant(v) : v;
      if (c.as === 'lookup') return c.names.get(Number(v)) ?? null;
      if (c.as === 'numeral')
        return typeof v === 'number'
          ? numeral(c.text(v, (values[c.unitFrom] ?? null) as string | number | null))
          : v;
      return v;
    });
  }

  /** The records of every row in `json`, as UTF-8, and how many rows there were. */
  records(json: Uint8Array): { bytes: Uint8Array; rows: number } {
    this.out = new Uint8Array(json.length + 1024);
    const end = this.writeRows(json);
    return { bytes: this.out.subarray(0, end), rows: this.rows };
  }

  /** Writes every row's record into `out`; returns where the last ends. */
  private writeRows(json: Uint8Array): number {
    let o = 0;
    let p = json.indexOf(OPEN) + 1;
    this.rows = 0;
    for (;;) {
      while (p < json.length && json[p] !== OPEN && json[p] !== CLOSE) p++;
      if (p >= json.length || json[p] === CLOSE) return o;
      const start = p;
      p = this.readRow(json, p + 1);
      this.rows++;
      // Room for the row as it is copied: its values (no longer than its JSON, once for each
      // cell that copies one), a quote pair, a mark and a comma a cell, the instants and
      // lookups, and CRLF.
      this.reserve(o, (p - start) * this.copies + this.fixedRoom);
      const copied = this.copyRow(json, o);
      o = copied >= 0 ? copied : this.writeParsed(json.subarray(start, p), o);
    }
  }

  /** Writes a row's record by parsing its JSON and handing its cells to `csvRecord`. */
  private writeParsed(row: Uint8Array, o: number): number {
    const values = JSON.parse(fromUtf8.decode(row)) as unknown[];
    const record = csvRecord(this.cells(values));
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit.
    this.reserve(o, record.length * 3);
    return o + utf8.encodeInto(record, this.out.subarray(o)).written;
  }

  /** Makes room for `bytes` more after the first `used` of the answer. */
  private reserve(used: number, bytes: number): void {
    if (used + bytes <= this.out.length) return;
    const bigger = new Uint8Array(Math.max(this.out.length * 2, used + bytes));
    bigger.set(this.out.subarray(0, used));
    this.out = bigger;
  }

  /**
   * Notes where each value of the row starting after `[` at `p` lies, and what it is (the row's
   * values are numbers, text and nulls, as `json_array` writes columns); returns the place
   * after the row's `]`.
   */
  private readRow(json: Uint8Array, p: number): number {
    const length = json.length;
    let n = 0;
    for (;;) {
      if (p >= length) throw new Error('The JSON ends before its rows do.');
      let b = json[p]!;
      if (b === CLOSE) {
        this.count = n;
        return p + 1;
      }
      if (n === this.starts.length) this.grow();
      if (b === QUOTE) {
        const start = ++p;
        let kind = TEXT;
        while (p < length && (b = json[p]!) !== QUOTE) {
          if (b === BACKSLASH) {
            kind = ESCAPED;
            p++;
          } else if (b === COMMA && kind === TEXT) kind = TEXT_WITH_COMMA;
          p++;
        }
        this.note(n++, start, p, kind);
        p++;
      } else if (b === LETTER_N) {
        this.note(n++, p, p, NULL);
        p += 4;
      } else {
        const start = p;
        const first = b === MINUS ? p + 1 : p;
        p = first;
        while (p < length && (b = json[p]!) <= 0x39 && b >= 0x30) p++;
        if (p > first && p - first <= MAX_DIGITS && (b === COMMA || b === CLOSE))
          this.note(n++, start, p, INTEGER);
        else {
          while (p < length && (b = json[p]!) !== COMMA && b !== CLOSE) p++;
          this.note(n++, start, p, NUMBER);
        }
      }
      if (json[p] === COMMA) p++;
    }
  }

  private note(i: number, start: number, end: number, kind: number): void {
    this.starts[i] = start;
    this.ends[i] = end;
    this.kinds[i] = kind;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const kinds = new Uint8Array(size);
    starts.set(this.starts);
    ends.set(this.ends);
    kinds.set(this.kinds);
    this.starts = starts;
    this.ends = ends;
    this.kinds = kinds;
  }

  /**
   * A numeral cell's text for `n`, with the row's unit as `cells` would read it; null when the
   * unit is not plain text (left to the writer) or the text is not ASCII a numeral allows.
   */
  private numeralText(c: number, n: number, json: Uint8Array): string | null {
    const cell = this.plan[c] as Extract<JsonRowCell, { as: 'numeral' }>;
    let unit: string | null = null;
    const at = cell.unitFrom;
    if (at >= 0 && at < this.count && this.kinds[at] !== NULL) {
      const kind = this.kinds[at]!;
      if (kind !== TEXT && kind !== TEXT_WITH_COMMA) return null;
      unit = this.unitText(json, this.starts[at]!, this.ends[at]!);
    }
    return numeral(cell.text(n, unit)).text;
  }

  /** Text of a unit, remembered from the last row: rows mostly share a currency. */
  private unitText(json: Uint8Array, start: number, end: number): string {
    const last = this.lastUnit;
    if (last.length === end - start) {
      let same = true;
      for (let i = 0; i < last.length && same; i++) same = last[i] === json[start + i];
      if (same) return this.lastUnitText;
    }
    this.lastUnit = json.slice(start, end);
    this.lastUnitText = fromUtf8.decode(this.lastUnit);
    return this.lastUnitText;
  }

  /**
   * Writes the row just read as a record at `o` when every cell of it is plain; returns where
   * the record ends, or -1 when a cell needs the writer (what was copied of it is written over).
   */
  private copyRow(json: Uint8Array, o: number): number {
    const { froms, ases, starts, ends, kinds, out, count } = this;
    for (let c = 0; c < froms.length; c++) {
      if (c > 0) out[o++] = COMMA;
      const at = froms[c]!;
      if (at >= count) return -1;
      const kind = kinds[at]!;
      if (kind === NULL) continue;
      if (kind === ESCAPED) return -1;
      const start = starts[at]!;
      const end = ends[at]!;
      const as = ases[c]!;
      if (as === AS_VALUE) {
        if (kind === INTEGER) for (let i = start; i < end; i++) out[o++] = json[i]!;
        else if (kind === NUMBER) return -1;
        else {
          o = copyText(json, start, end, kind === TEXT_WITH_COMMA, out, o);
          if (o < 0) return -1;
        }
        continue;
      }
      const n = kind === INTEGER ? integerAt(json, start, end) : NaN;
      if (as === AS_NUMERAL) {
        const text = Number.isNaN(n) ? null : this.numeralText(c, n, json);
        if (text === null || text.length > NUMERAL_ROOM) return -1;
        for (let i = 0; i < text.length; i++) out[o++] = text.charCodeAt(i);
        continue;
      }
      if (!(n >= 0)) return -1;
      if (as === AS_INSTANT) {
        o = writeIsoInstant(out, o, n);
        if (o < 0) return -1;
      } else {
        const name = this.lookups[c]!.get(n);
        if (name) for (let i = 0; i < name.length; i++) out[o++] = name[i]!;
      }
    }
    out[o++] = 0x0d;
    out[o++] = 0x0a;
    return o;
  }
}

/** JSON digits of a whole number of up to 15 digits (`-` first at most) as a number, or NaN. */
function integerAt(json: Uint8Array, start: number, end: number): number {
  const first = json[start] === MINUS ? start + 1 : start;
  if (end === first || end - first > MAX_DIGITS) return NaN;
  let n = 0;
  for (let i = first; i < end; i++) {
    const b = json[i]!;
    if (b < 0x30 || b > 0x39) return NaN;
    n = n * 10 + (b - 0x30);
  }
  return first === start ? n : -n;
}

/**
 * Text without escapes copied as `field(neutraliseCell(text))` writes it, or -1 for text that
 * starts with anything but printable ASCII or ends with whitespace (left to the writer).
 */
function copyText(
  json: Uint8Array,
  start: number,
  end: number,
  comma: boolean,
  out: Uint8Array,
  o: number,
) {
  if (end === start) return o;
  const first = json[start]!;
  if (!printable(first)) return -1;
  const last = json[end - 1]!;
  if (last <= 0x20 || last === 0x7f || (last > 0x7f && endsWithSpace(json, start, end))) return -1;
  if (comma) out[o++] = QUOTE;
  if (formulaStart(first)) out[o++] = 0x27; // '
  for (let i = start; i < end; i++) out[o++] = json[i]!;
  if (comma) out[o++] = QUOTE;
  return o;
}

/** Whether UTF-8 text ends with a whitespace character. */
function endsWithSpace(json: Uint8Array, start: number, end: number): boolean {
  let from = end - 1;
  while (from > start && (json[from]! & 0xc0) === 0x80) from--;
  return WHITESPACE.test(fromUtf8.decode(json.subarray(from, end)));
}
