/** Wire conventions shared by every serializer (reference §0). */
import { centsToJson } from '../billing/money';

/** ISO-8601 UTC with second precision, as Lago's `created_at`. */
export function isoSeconds(value: Date | null | undefined): string | null {
  return value ? value.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}

/** ISO-8601 UTC with milliseconds, as Lago's event `timestamp` and `started_at`. */
export function isoMillis(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}

export function cents(value: bigint | null | undefined): number {
  return centsToJson(value ?? 0n);
}

/** Decimals the way Lago prints them (Ruby BigDecimal): no trailing zeros, at least one decimal ("2.0"). */
export function decimalString(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!value.includes('.')) return `${value}.0`;
  return value.replace(/0+$/, '').replace(/\.$/, '.0');
}
