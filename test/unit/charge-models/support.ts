/** Helpers shared by the charge-model tests (not a test file itself). */
import { Dec, toDecimalString } from '../../../src/billing/money';
import {
  parseChargeProperties,
  priceCharge,
  type ChargeResult,
  type ChargeUsage,
} from '../../../src/billing/charge-models';
import type { ChargeModelName } from '../../../src/billing/types';

export const d = (value: string | number): Dec => new Dec(value);
export const str = toDecimalString;

export function usage(units: string | number, extra: Partial<ChargeUsage> = {}): ChargeUsage {
  return { units: d(units), eventsCount: 1, ...extra };
}

/** Parses raw (wire) properties and prices the usage with them. */
export function price(model: ChargeModelName, raw: unknown, input: ChargeUsage): ChargeResult {
  return priceCharge(model, parseChargeProperties(model, raw), input);
}

/** Prices and returns the amount as a plain decimal string. */
export function amountOf(model: ChargeModelName, raw: unknown, input: ChargeUsage): string {
  return str(price(model, raw, input).amount);
}

export function tier(from: number | string, to: number | string | null, perUnit: string, flat: string) {
  return { from_value: from, to_value: to, per_unit_amount: perUnit, flat_amount: flat };
}

export const decs = (values: (string | number)[]): Dec[] => values.map(d);
