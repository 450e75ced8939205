/**
 * Money: integer minor units (`bigint` cents) and exact decimals (decimal.js), never floats.
 * Amounts are computed as decimals and rounded once, at the fee, half away from zero to the
 * currency's ISO 4217 exponent (DESIGN.md §5).
 */
import Decimal from 'decimal.js';
import currencyCodes from 'currency-codes';

/** Decimal with enough precision for any billing computation; ROUND_HALF_UP is half away from zero. */
export const Dec = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });
export type Dec = Decimal;

/** An amount in the currency's minor unit (cents for USD, yen for JPY, fils for KWD). */
export type Cents = bigint;

export class MoneyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MoneyError';
  }
}

// Funds codes and precious metals carry no usable minor unit for invoices.
const NON_INVOICEABLE = new Set(['XAU', 'XAG', 'XPT', 'XPD', 'XDR', 'XBA', 'XBB', 'XBC', 'XBD', 'XTS', 'XXX', 'XSU', 'XUA']);

export function isCurrency(code: unknown): code is string {
  if (typeof code !== 'string' || !/^[A-Z]{3}$/.test(code) || NON_INVOICEABLE.has(code)) return false;
  return currencyCodes.code(code) !== undefined;
}

/** The ISO 4217 minor-unit exponent: USD 2, JPY 0, KWD 3, IQD 3, HUF 2, MGA 2. */
export function currencyExponent(code: string): number {
  const entry = isCurrency(code) ? currencyCodes.code(code) : undefined;
  if (!entry) throw new MoneyError('value_is_invalid', `Unknown currency ${String(code)}`);
  return entry.digits;
}

/** 10^exponent as a Decimal: how many minor units make one major unit. */
export function subunitToUnit(currency: string): Decimal {
  return new Dec(10).pow(currencyExponent(currency));
}

/** Rounds a decimal amount of minor units half away from zero to whole minor units. */
export function roundCents(preciseCents: Decimal.Value): Cents {
  return BigInt(new Dec(preciseCents).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0));
}

/** Major units (e.g. "16.7661" EUR) to precise minor units (1676.61), unrounded. */
export function majorToPreciseCents(amount: Decimal.Value, currency: string): Decimal {
  return new Dec(amount).times(subunitToUnit(currency));
}

/** Major units to whole minor units, rounded once, half away from zero. */
export function majorToCents(amount: Decimal.Value, currency: string): Cents {
  return roundCents(majorToPreciseCents(amount, currency));
}

export function centsToMajor(cents: Cents, currency: string): Decimal {
  return new Dec(cents.toString()).dividedBy(subunitToUnit(currency));
}

/** "120.00" for 12000 USD cents, "1200" for 1200 JPY, "1.234" for 1234 KWD fils. */
export function formatMajor(cents: Cents, currency: string): string {
  return centsToMajor(cents, currency).toFixed(currencyExponent(currency));
}

const DECIMAL_STRING = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;

export interface ParseDecimalOptions {
  /** Accept values below zero (default false: amounts, rates and sizes are never negative). */
  allowNegative?: boolean;
  /** Accept JSON numbers as well as strings (default true). */
  allowNumber?: boolean;
  /** The Lago error code to raise (default `value_is_invalid`). */
  errorCode?: string;
}

/**
 * Strictly parses a decimal given as a string (Lago sends `"0.012"`) or a finite number:
 * no exponents, NaN, Infinity, hex, blanks or empty strings.
 */
export function parseDecimal(input: unknown, options: ParseDecimalOptions = {}): Decimal {
  const { allowNegative = false, allowNumber = true, errorCode = 'value_is_invalid' } = options;
  let text: string;
  if (typeof input === 'number' && allowNumber) {
    if (!Number.isFinite(input)) throw new MoneyError(errorCode, `Not a finite number: ${input}`);
    text = String(input);
    if (/e/i.test(text)) text = new Dec(input).toFixed();
  } else if (typeof input === 'string') {
    text = input;
  } else {
    throw new MoneyError(errorCode, `Not a decimal: ${JSON.stringify(input)}`);
  }
  if (!DECIMAL_STRING.test(text)) throw new MoneyError(errorCode, `Not a decimal: ${JSON.stringify(input)}`);
  const value = new Dec(text);
  if (!allowNegative && value.isNegative() && !value.isZero()) {
    throw new MoneyError(errorCode, `Must not be negative: ${text}`);
  }
  return value;
}

/** Parses integer minor units (`amount_cents`), from a safe JSON integer or a digit string. */
export function parseCents(input: unknown, options: { allowNegative?: boolean; errorCode?: string } = {}): Cents {
  const { allowNegative = false, errorCode = 'value_is_invalid' } = options;
  let cents: bigint;
  if (typeof input === 'number' && Number.isSafeInteger(input)) cents = BigInt(input);
  else if (typeof input === 'string' && /^-?\d+$/.test(input)) cents = BigInt(input);
  else throw new MoneyError(errorCode, `Not an integer amount of cents: ${JSON.stringify(input)}`);
  if (!allowNegative && cents < 0n) throw new MoneyError(errorCode, `Must not be negative: ${cents}`);
  return cents;
}

/** Cents as a JSON number for the wire; refuses amounts beyond 2^53 rather than corrupting them. */
export function centsToJson(cents: Cents): number {
  if (cents > BigInt(Number.MAX_SAFE_INTEGER) || cents < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MoneyError('value_is_out_of_range', `Amount ${cents} does not fit a JSON number exactly`);
  }
  return Number(cents);
}

export function sumCents(values: Iterable<Cents>): Cents {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}

export function minCents(a: Cents, b: Cents): Cents {
  return a < b ? a : b;
}

export function maxCents(a: Cents, b: Cents): Cents {
  return a > b ? a : b;
}

/** Plain decimal notation for JSON: never exponent notation, never "-0" ("0.012", "230", "0"). */
export function toDecimalString(value: Decimal.Value): string {
  const decimal = new Dec(value);
  return decimal.isZero() ? '0' : decimal.toFixed();
}
