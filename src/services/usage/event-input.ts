/** A usage event as a caller hands it to ingestion (`ingestEvent`, `ingestBatch`). */
import type { FieldErrors } from '../../runtime/errors';

export interface EventInput {
  transactionId: string;
  code: string;
  externalSubscriptionId: string;
  /** When the usage happened; absent means when the event is received (the injected clock's now). */
  timestampMs?: number;
  properties: Record<string, unknown>;
  /** A decimal with at most 15 decimals, or null. */
  preciseTotalAmountCents: string | null;
}

/**
 * One event as the caller read it from its request. `unreadable` holds the fields it could not
 * read, with their Lago codes (empty when it read them all); such an event is refused, and its
 * batch with it, together with every other problem ingestion finds in the batch.
 */
export interface ReadEvent {
  input: EventInput;
  unreadable: FieldErrors;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON that jsonb stores as sent: no NUL characters (jsonb refuses them), no non-finite numbers. */
export function isStorableJson(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return false;
    } else if (typeof item === 'number') {
      if (!Number.isFinite(item)) return false;
    } else if (Array.isArray(item)) {
      stack.push(...item);
    } else if (isRecord(item)) {
      for (const [key, inner] of Object.entries(item)) {
        if (key.includes('\u0000')) return false;
        stack.push(inner);
      }
    }
  }
  return true;
}
