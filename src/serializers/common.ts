/** Wire conventions shared by every serializer (reference §0). */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { centsToJson } from '../billing/money';

/**
 * A stable UUID (version 5 layout, SHA-1) for a record that has no row of its own, such as a tax
 * applied to an invoice: derived from its owner and what names it there, so it never changes.
 */
export function derivedUuid(...parts: string[]): string {
  const hex = createHash('sha1').update(parts.join(':')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** ISO-8601 UTC with second precision, as Lago's `created_at`. */
export function isoSeconds(value: Date): string;
export function isoSeconds(value: Date | null | undefined): string | null;
export function isoSeconds(value: Date | null | undefined): string | null {
  return value ? value.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}

/** ISO-8601 UTC with milliseconds, as Lago's event `timestamp` and `started_at`. */
export function isoMillis(value: Date): string;
export function isoMillis(value: Date | null | undefined): string | null;
export function isoMillis(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}

export function cents(value: bigint | null | undefined): number {
  return centsToJson(value ?? 0n);
}

/** Decimals the way Lago prints them (Ruby BigDecimal): no trailing zeros, at least one decimal ("2.0"). */
export function decimalString(value: string): string;
export function decimalString(value: string | null | undefined): string | null;
export function decimalString(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!value.includes('.')) return `${value}.0`;
  return value.replace(/0+$/, '').replace(/\.$/, '.0');
}

// Response schemas -------------------------------------------------------------------------------
// Every serializer's output is declared once as a zod schema (output side) registered here under
// its component name: the serializers are typed by them and Billow's OpenAPI document is built from
// them (src/api/openapi.ts), so the document cannot drift from the code.

/** The response schemas by component name (`#/components/schemas/<id>` in the OpenAPI document). */
export const responseSchemas = z.registry<{ id: string; description?: string }>();

/** The wire types of the response schemas. */
export const wire = {
  /** ISO-8601 UTC instant (`isoSeconds`/`isoMillis`). */
  dateTime: z.string().meta({ format: 'date-time' }),
  /** A calendar date, `YYYY-MM-DD`. */
  date: z.string().meta({ format: 'date' }),
  uuid: z.string().meta({ format: 'uuid' }),
  /** Integer minor units (`cents()`). */
  cents: z.number().int(),
  /** A decimal as Lago prints it (`decimalString`): "2.0", "0.0125". */
  decimal: z.string().regex(/^-?\d+(\.\d+)?$/),
  currency: z.string().regex(/^[A-Z]{3}$/),
  /** Lago's key/value metadata of invoices and wallet transactions. */
  keyValue: z.object({ key: z.string(), value: z.string() }),
};
