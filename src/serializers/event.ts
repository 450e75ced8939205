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

/**
 * A Billow addition on `GET /events/:transaction_id`: where the event was billed, or why it is not
 * (yet). Statuses: `billed`, `in_draft`, `period_open`, `late_pending`, `late_ignored`, `not_billed`.
 */
export const eventBillingSchema = z.object({
  status: z.enum(['billed', 'in_draft', 'period_open', 'late_pending', 'late_ignored', 'not_billed']),
  /** It arrived after its period's invoice was finalized (billed, if at all, by an adjustment of a later invoice). */
  late: z.boolean(),
  /** The invoice that bills it (a draft for `in_draft`), else null. */
  lago_invoice_id: wire.uuid.nullable(),
  /** That invoice's usage fees for the event's metric (its period's fees, or the adjustment fees of its period). */
  lago_fee_ids: z.array(wire.uuid),
  /** Why a `not_billed` event is not: its draft was deleted, or no period of a subscription bills it. */
  reason: z.enum(['draft_deleted', 'outside_billed_periods']).nullable(),
}).register(responseSchemas, { id: 'EventBilling' });
export type EventBillingJson = z.output<typeof eventBillingSchema>;

/** The event as `GET /events/:transaction_id` answers it: Lago's fields and where it was billed. */
export const tracedEventSchema = eventSchema.extend({ billing: eventBillingSchema }).register(responseSchemas, { id: 'TracedEvent' });
export type TracedEventJson = z.output<typeof tracedEventSchema>;

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

/** What the invoicing domain found about an event's billing (services/invoicing/event-trace.ts). */
export interface EventBillingView {
  status: EventBillingJson['status'];
  late: boolean;
  invoiceId: string | null;
  feeIds: string[];
  reason: EventBillingJson['reason'];
}

export function serializeTracedEvent(event: EventRow, billing: EventBillingView): TracedEventJson {
  return {
    ...serializeEvent(event),
    billing: { status: billing.status, late: billing.late, lago_invoice_id: billing.invoiceId, lago_fee_ids: billing.feeIds, reason: billing.reason },
  };
}
