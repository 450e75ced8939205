/**
 * How documents print numbers and dates: amounts to the currency's ISO 4217 exponent (JPY 0,
 * USD 2, KWD 3) with thousands separators, unit prices with as many decimals as they carry,
 * calendar dates as "Jan 19, 2027". No floats: amounts go through `formatMajor` and Decimal.
 */
import { Dec, currencyExponent, formatMajor, type Cents } from '../billing/money';

function group(integerPart: string): string {
  return integerPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "1234567.891" → "1,234,567.891" (sign kept). */
export function groupDigits(plain: string): string {
  const negative = plain.startsWith('-');
  const [integerPart, fraction] = (negative ? plain.slice(1) : plain).split('.');
  return `${negative ? '-' : ''}${group(integerPart!)}${fraction !== undefined ? `.${fraction}` : ''}`;
}

const symbols = new Map<string, string>();

/** "$", "€", "¥", or the ISO code when the currency has no distinct symbol ("KWD", "CA$"). */
export function currencySymbol(currency: string): string {
  let symbol = symbols.get(currency);
  if (symbol === undefined) {
    const part = new Intl.NumberFormat('en-US', { style: 'currency', currency }).formatToParts(0).find((p) => p.type === 'currency');
    symbol = part?.value ?? currency;
    symbols.set(currency, symbol);
  }
  return symbol;
}

function withSymbol(currency: string, digits: string): string {
  const negative = digits.startsWith('-');
  const magnitude = negative ? digits.slice(1) : digits;
  const symbol = currencySymbol(currency);
  const body = /^[A-Z]{3}$/.test(symbol) ? `${symbol} ${magnitude}` : `${symbol}${magnitude}`;
  return negative ? `−${body}` : body;
}

/** 13500 USD → "$135.00"; 1200 JPY → "¥1,200"; 1234 KWD → "KWD 1.234"; negative → "−$5.00". */
export function formatMoney(cents: Cents, currency: string): string {
  return withSymbol(currency, groupDigits(formatMajor(cents, currency)));
}

/** A decimal amount of major units, e.g. a unit price "0.012" USD → "$0.012", "8.25" → "€8.25". */
export function formatUnitPrice(major: string | number, currency: string, maxDecimals = 6): string {
  const exponent = currencyExponent(currency);
  const value = new Dec(major);
  const decimals = Math.min(Math.max(exponent, value.decimalPlaces()), Math.max(exponent, maxDecimals));
  return withSymbol(currency, groupDigits(value.toFixed(decimals)));
}

/** Units as decimals without trailing zeros: "30000" → "30,000", "2.032260" → "2.03226". */
export function formatUnits(units: string | number): string {
  const value = new Dec(units);
  return groupDigits(value.toFixed(Math.min(value.decimalPlaces(), 6)));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A calendar date 'YYYY-MM-DD' → "Jan 19, 2027" (no timezone involved: it is already local). */
export function formatDate(localDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(localDate);
  if (!match) return localDate;
  return `${MONTHS[Number(match[2]) - 1]} ${Number(match[3])}, ${match[1]}`;
}

/** A tax or percentage rate "12.5" → "12.5 %", "20.0" → "20 %". */
export function formatRate(rate: string | number): string {
  return `${new Dec(rate).toFixed()} %`;
}
