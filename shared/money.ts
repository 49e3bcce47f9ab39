/** Money is held as integer minor units of an ISO 4217 currency; these convert at the edges. */
import { invalid } from './errors.ts';

const digitsCache = new Map<string, number>();

/** Minor-unit digits of a currency: 2 for USD, 0 for JPY, 3 for KWD. */
export function currencyDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return d;
}

/** Minor units → major units as a number rounded to the currency's digits (for JSON and CSV). */
export function toMajorUnits(minor: number, currency: string): number {
  const digits = currencyDigits(currency);
  return Number((minor / 10 ** digits).toFixed(digits + (Number.isInteger(minor) ? 0 : 2)));
}

/**
 * Minor units → decimal text with the currency's digits, always: `12.50`, `1.00`, `-3.20`,
 * `1200` for JPY. A derived rate that is not a whole number of minor units (EPC) keeps two more
 * digits: `0.0342`.
 */
export function majorUnitsText(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  const shown = Number.isInteger(minor) ? digits : digits + 2;
  const text = (minor / 10 ** digits).toFixed(shown);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

export function formatMoney(minor: number, currency: string, locale = 'en-US'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(
    minor / 10 ** currencyDigits(currency),
  );
}

/**
 * Parses a decimal amount as written in a CSV or a form (`12.50`, `1200`, `0.5`) into minor
 * units. Refuses negatives, thousands separators, exponents and more decimals than the
 * currency has, rather than guessing.
 */
export function parseMoney(text: string, currency: string, field = 'amount'): number {
  const t = text.trim();
  const digits = currencyDigits(currency);
  if (t.startsWith('-'))
    throw invalid('negative_amount', `${field} "${text}" is negative; amounts must be 0 or more.`, [
      { field, message: 'negative' },
    ]);
  const m = /^(\d+)(?:\.(\d+))?$/.exec(t);
  if (!m)
    throw invalid('invalid_amount', `${field} "${text}" is not a number (write it like 12.50).`, [
      { field, message: 'not a number' },
    ]);
  const frac = m[2] ?? '';
  if (frac.length > digits) {
    throw invalid(
      'too_many_decimals',
      `${field} "${text}" has more decimals than ${currency} allows (${digits}).`,
      [{ field, message: `at most ${digits} decimals` }],
    );
  }
  const minor = Number(m[1]) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0');
  if (!Number.isSafeInteger(minor))
    throw invalid('invalid_amount', `${field} "${text}" is too large.`, [
      { field, message: 'too large' },
    ]);
  return minor;
}
