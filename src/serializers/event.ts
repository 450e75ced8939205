import type { EventRow } from '../db/events';
import { decimalString, isoMillis, isoSeconds } from './common';

// Every event stored by one batch shares one created_at instance: format it once.
let lastCreatedAt: Date | null = null;
let lastCreatedAtText: string | null = null;

function createdAt(value: Date): string | null {
  if (value !== lastCreatedAt) {
    lastCreatedAt = value;
    lastCreatedAtText = isoSeconds(value);
  }
  return lastCreatedAtText;
}

/** Lago's event object (reference/lago-api.md §1.5). */
export function serializeEvent(event: EventRow) {
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
