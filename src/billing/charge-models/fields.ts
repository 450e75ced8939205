/** Readers for charge property fields: strict decimals and integers, errors in Lago's codes. */
import { Dec, MoneyError, parseDecimal } from '../money';
import type { ErrorCollector, RawProperties } from './types';

export const ZERO = new Dec(0);
export const HUNDRED = new Dec(100);

export function isRecord(value: unknown): value is RawProperties {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

function tryParse(value: unknown, allowNumber: boolean): Dec | undefined {
  try {
    return parseDecimal(value, { allowNumber });
  } catch (error) {
    if (error instanceof MoneyError) return undefined;
    throw error;
  }
}

/**
 * A required non-negative amount or rate. Lago accepts strings only ("5", "0.012") so that no
 * float ever reaches the maths; numbers, exponents, NaN, blanks and negatives are refused.
 */
export function readAmount(raw: RawProperties, field: string, code: string, errors: ErrorCollector): Dec | undefined {
  const value = tryParse(raw[field], false);
  if (value === undefined) errors.add(field, code);
  return value;
}

/** An optional amount: absent (null/undefined, or blank when `blankIsAbsent`) gives null. */
export function readOptionalAmount(
  raw: RawProperties,
  field: string,
  code: string,
  errors: ErrorCollector,
  blankIsAbsent = false,
): Dec | null | undefined {
  const value = raw[field];
  if (isAbsent(value) || (blankIsAbsent && value === '')) return null;
  return readAmount(raw, field, code, errors);
}

/** A tier bound: a JSON number or a decimal string, never negative. */
export function readBound(value: unknown): Dec | undefined {
  return tryParse(value, true);
}

/** A whole count (`package_size`, `free_units`): a JSON integer or a digit string, at least `min`. */
export function readCount(value: unknown, min: number): Dec | undefined {
  const count = typeof value === 'number' || typeof value === 'string' ? tryParse(value, true) : undefined;
  return count !== undefined && count.isInteger() && count.gte(min) ? count : undefined;
}

/** Lago's unit amount: the amount per unit, 0 when there are no units. */
export function amountPerUnit(amount: Dec, units: Dec): Dec {
  return units.isZero() || amount.isZero() ? ZERO : amount.dividedBy(units);
}
