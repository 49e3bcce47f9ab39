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
 */
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

/** Whether a spreadsheet could take this text cell for a formula. */
export function looksLikeFormula(text: string): boolean {
  if (text === '') return false;
  // Printable ASCII other than = + - @ starts no formula: decided without a regular expression.
  const first = text.charCodeAt(0);
  if (first > 0x20 && first < 0x7f)
    return first === 0x3d || first === 0x2b || first === 0x2d || first === 0x40;
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
  if (first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f && !holdsStructure(text))
    return text;
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
