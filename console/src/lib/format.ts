/**
 * How amounts and dates read: amounts in each currency's ISO 4217 minor units (the billing core's
 * own exponent table, so USD 13500 is $135.00, JPY 500 is ¥500, KWD 1500 is KWD 1.500), formatted
 * from exact decimal strings (never through a float); instants in the customer's timezone, with
 * the zone shown.
 */
import { currencyExponent } from '../../../src/billing/money';

const locale = typeof navigator === 'undefined' ? 'en-US' : navigator.language || 'en-US';

function exponentOf(currency: string): number {
  try {
    return currencyExponent(currency);
  } catch {
    return 2;
  }
}

/** Integer minor units → exact major-unit decimal string: (13500, USD) → "135.00". */
export function centsToDecimal(cents: number | string | bigint, currency: string): string {
  const exponent = exponentOf(currency);
  const value = BigInt(cents);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Intl formats a decimal *string* exactly (no float rounding on the way). */
function formatDecimalString(decimal: string, options: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(locale, options).format(decimal as unknown as number);
}

/** 13500 USD → "$135.00"; 1677 EUR → "€16.77". */
export function money(cents: number | string | bigint | null | undefined, currency: string | null | undefined): string {
  if (cents === null || cents === undefined || !currency) return '—';
  const exponent = exponentOf(currency);
  return formatDecimalString(centsToDecimal(cents, currency), { style: 'currency', currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent });
}

/** A unit price given as a decimal string in major units ("0.012") → "$0.012", "180" → "$180.00" (all its digits). */
export function unitPrice(decimal: string | null | undefined, currency: string): string {
  if (decimal === null || decimal === undefined || decimal === '') return '—';
  const places = decimal.includes('.') ? decimal.split('.')[1]!.length : 0;
  const exponent = exponentOf(currency);
  return formatDecimalString(decimal, { style: 'currency', currency, minimumFractionDigits: exponent, maximumFractionDigits: Math.max(exponent, places) });
}

/** "12345.5" → "12,345.5" */
export function units(decimal: string | number | null | undefined): string {
  if (decimal === null || decimal === undefined || decimal === '') return '—';
  return formatDecimalString(String(decimal), { maximumFractionDigits: 20 });
}

export { calendarDate, dateTime, dayOf, timeZones } from './dates';
