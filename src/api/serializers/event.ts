import type { EventRow } from '../../db/events';
import { decimalString, isoMillis, isoSeconds } from './common';

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
    created_at: isoSeconds(event.created_at),
  };
}
