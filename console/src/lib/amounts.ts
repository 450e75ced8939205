/** Amounts typed in major units ("120", "8.25") ↔ integer minor units, exactly (string arithmetic). */
import { centsToDecimal } from './format';
import { currencyExponent } from '../../../src/billing/money';

/** "120.5" USD → 12050; what cannot be converted exactly is returned as typed, for the API to refuse beside the field. */
export function decimalToCents(text: string, currency: string): number | string {
  const value = text.trim().replace(/,/g, '');
  let exponent = 2;
  try {
    exponent = currencyExponent(currency);
  } catch {
    return value;
  }
  const match = /^(\d+)(?:\.(\d*))?$/.exec(value);
  if (!match || (match[2] ?? '').length > exponent) return value;
  const cents = BigInt(match[1]! + (match[2] ?? '').padEnd(exponent, '0'));
  return cents <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(cents) : cents.toString();
}

export function centsToInput(cents: number | null | undefined, currency: string): string {
  if (cents === null || cents === undefined) return '';
  return centsToDecimal(cents, currency);
}
