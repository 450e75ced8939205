import { z } from 'zod';
import type { EventRow } from '../db/events';
import { decimalString, isoMillis, isoSeconds, responseSchemas, wire } from './common';

export const eventSchema = z.object({
  lago_id: wire.uuid,
  transaction_id: z.string(),
  /** Billow ingests synchronously, so it knows the customer when it answers (Lago: null on create). */
  lago_customer_id: wire.uuid.nullable(),
  code: z.string(),
  timestamp: wire.dateTime,
  precise_total_amount_cents: wire.decimal.nullable(),
  properties: z.record(z.string(), z.unknown()),
  lago_subscription_id: wire.uuid.nullable(),
  external_subscription_id: z.string(),
  created_at: wire.dateTime,
}).register(responseSchemas, { id: 'Event' });
export type EventJson = z.output<typeof eventSchema>;

// Every event stored by one batch shares one created_at instance: format it once.
let lastCreatedAt: Date | null = null;
let lastCreatedAtText: string | null = null;

function createdAt(value: Date): string {
  if (value !== lastCreatedAt) {
    lastCreatedAt = value;
    lastCreatedAtText = isoSeconds(value);
  }
  return lastCreatedAtText!;
}

/** Lago's event object (reference/lago-api.md §1.5). */
export function serializeEvent(event: EventRow): EventJson {
  return {
    lago_id: event.id,
    transaction_id: event.transaction_id,
    lago_customer_id: event.customer_id,
    code: event.code,
    timestamp: isoMillis(event.timestamp),
    precise_total_amount_cents: decimalString(event.precise_total_amount_cents),
    properties: event.properties,
    lago_subscription_id: event.subscription_id,
    external_subscription_id: event.external_subscription_id,
    created_at: createdAt(event.created_at),
  };
}
