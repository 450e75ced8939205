/**
 * Where did my event go (`GET /events/:transaction_id`, issue 11): beside Lago's fields, where the
 * event was billed (the invoice and its usage fees for the event's metric) or why it is not yet,
 * or will not be. Lago's users most often ask about "events accepted but missing from the
 * invoice"; this answers from what the invoices priced, not from a guess:
 *
 * - the period window covering the event's timestamp was priced with a snapshot; the event is in
 *   that pricing exactly when its transaction is visible in the snapshot (db/usage-windows.ts);
 * - `billed`: on a finalized (or since voided) invoice, by its period's fee or, late, by an
 *   adjustment fee of a later invoice;
 * - `in_draft`: in a draft (its period's, or a later one that adjusts it); a draft computed before
 *   the event arrived takes it at its next refresh, within seconds, or when it is finalized;
 * - `period_open`: its period has not been invoiced yet;
 * - `late_pending`: it arrived after its period's invoice was finalized, and the subscription's
 *   next invoice bills it as an adjustment (the organization's `late_usage: next_invoice`);
 * - `late_ignored`: the same, with `late_usage: ignore`: it will not be billed;
 * - `not_billed`: its draft was deleted (`draft_deleted`), or no period of a subscription bills
 *   it (`outside_billed_periods`: before the subscription started, or a final invoice skipped).
 *
 * An adjustment that came out nothing (the event changed no price) is `billed` with no fee.
 */
import type { Db } from '../../db/knex';
import type { EventRow } from '../../db/events';
import { findOrganization } from '../../db/organizations';
import { findSubscriptionByExternalId } from '../../db/subscriptions';
import { pricingsCovering, usageFeesOfPricing, type WindowPricing } from '../../db/usage-windows';
import { getEvent } from '../usage';

export const EVENT_BILLING_STATUSES = ['billed', 'in_draft', 'period_open', 'late_pending', 'late_ignored', 'not_billed'] as const;
export type EventBillingStatus = (typeof EVENT_BILLING_STATUSES)[number];
export const EVENT_NOT_BILLED_REASONS = ['draft_deleted', 'outside_billed_periods'] as const;

export interface EventBilling {
  status: EventBillingStatus;
  /** It arrived after its period's invoice was finalized. */
  late: boolean;
  invoiceId: string | null;
  /** The usage fees of the event's metric on that invoice (its period's, or the adjustments of its period). */
  feeIds: string[];
  reason: (typeof EVENT_NOT_BILLED_REASONS)[number] | null;
}

export interface TracedEvent {
  event: EventRow;
  billing: EventBilling;
}

const NOTHING = { invoiceId: null, feeIds: [] as string[], reason: null };

/** Where a pricing put the event: on its invoice, as it stands. */
async function pricedOn(db: Db, event: EventRow, pricing: WindowPricing, window: WindowPricing, late: boolean): Promise<EventBilling> {
  if (pricing.invoice_status === 'deleted') return { status: 'not_billed', late, invoiceId: null, feeIds: [], reason: 'draft_deleted' };
  const feeIds = await usageFeesOfPricing(db, {
    organizationId: event.organization_id,
    invoiceId: pricing.invoice_id,
    subscriptionId: window.subscription_id,
    code: event.code,
    adjustedWindowId: pricing.kind === 'late_usage' ? window.id : null,
  });
  return { status: pricing.invoice_status === 'draft' ? 'in_draft' : 'billed', late, invoiceId: pricing.invoice_id, feeIds, reason: null };
}

/** An event no invoice has priced a window for: its period is open, or nothing bills it. */
async function unpriced(db: Db, event: EventRow): Promise<EventBilling> {
  const active = await findSubscriptionByExternalId(db, event.organization_id, event.external_subscription_id, 'active');
  const startedAt = active?.started_at?.getTime();
  if (startedAt !== undefined && event.timestamp.getTime() >= startedAt) return { status: 'period_open', late: false, ...NOTHING };
  return { status: 'not_billed', late: false, invoiceId: null, feeIds: [], reason: 'outside_billed_periods' };
}

export async function traceEvent(db: Db, organizationId: string, transactionId: string): Promise<TracedEvent> {
  const event = await getEvent(db, organizationId, transactionId);
  const pricings = await pricingsCovering(db, {
    organizationId, externalSubscriptionId: event.external_subscription_id, at: event.timestamp, eventId: event.id,
  });
  const window = pricings.find((pricing) => pricing.kind === 'period');
  if (!window) return { event, billing: await unpriced(db, event) };
  if (window.sees_event || window.invoice_status === 'draft' || window.invoice_status === 'deleted') {
    // In its period's pricing, or in a draft that takes it at its next computation.
    return { event, billing: await pricedOn(db, event, window, window, false) };
  }
  // Late: the adjustment that priced it, else a draft adjusting its period (its next refresh takes it).
  const adjustment = pricings.find((pricing) => pricing.kind === 'late_usage' && pricing.sees_event)
    ?? pricings.find((pricing) => pricing.kind === 'late_usage' && pricing.invoice_status === 'draft');
  if (adjustment) return { event, billing: await pricedOn(db, event, adjustment, window, true) };
  const organization = await findOrganization(db, organizationId);
  const status: EventBillingStatus = organization?.late_usage === 'ignore' ? 'late_ignored' : 'late_pending';
  return { event, billing: { status, late: true, ...NOTHING } };
}
