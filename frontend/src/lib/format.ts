/**
 * Numbers, money and dates by locale (Intl). Amounts arrive as decimal strings ("12.345") and
 * are given to Intl as strings, so no float ever rounds them: Intl rounds half away from zero
 * to the currency's minor unit (EUR 2, XOF 0), as the server's quantize_money does.
 */
type Numeric = string | number;

// Intl accepts decimal strings (ECMA-402 NumberFormat v3); TypeScript's lib types lag behind.
type DecimalFormat = (value: Numeric) => string;

const cache = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = cache.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    cache.set(key, format);
  }
  return format;
}

function asDecimal(value: Numeric): Numeric {
  if (typeof value === 'number') return value;
  const trimmed = value.trim();
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? trimmed : Number.NaN;
}

export function currencyDigits(currency: string): number {
  return numberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatNumber(value: Numeric, locale: string, maximumFractionDigits = 3): string {
  const format = numberFormat(locale, { maximumFractionDigits }).format as DecimalFormat;
  return format(asDecimal(value));
}

export function formatMoney(value: Numeric, currency: string, locale: string): string {
  const digits = currencyDigits(currency);
  const format = numberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format as DecimalFormat;
  return format(asDecimal(value));
}

export function formatDate(value: string, locale: string): string {
  // A date without a time ("2026-11-30") is a calendar day: no time zone shifts it.
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00`) : new Date(value);
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date);
}

export function formatMonth(month: string, locale: string): string {
  const [year, monthNumber] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric' }).format(
    new Date(year ?? 2000, (monthNumber ?? 1) - 1, 15),
  );
}

export function currentMonth(now = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
}

export function today(now = new Date()): string {
  return `${currentMonth(now)}-${String(now.getDate()).padStart(2, '0')}`;
}
