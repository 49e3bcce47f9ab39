/**
 * Spreadsheet formula injection guard (OWASP "CSV injection"): a cell that starts with
 * = + - @, a tab or a carriage return is prefixed with a single quote, so Excel and Google
 * Sheets show it as text instead of evaluating it. Numbers are left alone: a negative number
 * is data, not a formula.
 */
const DANGEROUS_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: string | number | null | undefined): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return value;
  return DANGEROUS_START.test(value) ? `'${value}` : value;
}
