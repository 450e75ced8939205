/**
 * Billing an event at once for the pay-in-advance charges on its metric: a fee priced by the
 * difference rule and, when the charge is invoiceable, its own invoice through the invoice writer;
 * otherwise a fee without an invoice and `fee.created`. Once per (event, charge): a retry finds
 * the invoice (or invoice-less fee) already written.
 */
import type { Db } from '../../db/knex';
import { findEvent, eventsUpTo, type EventRow } from '../../db/events';
import { liveChargesOfPlans, type ChargeWithMetric } from '../../db/charges';
import { findBillableMetricsByIds, type BillableMetricRow } from '../../db/billable-metrics';
import { insertInvoicelessFeeOnce } from '../../db/invoices';
import { loadSubscriptionContext, type SubscriptionContext } from '../../db/subscription-context';
import { localDateOf } from '../../billing/calendar';
import { chargesScopeAt } from '../../billing/periods';
import { parseChargeProperties } from '../../billing/charge-models';
import { priceEventInAdvance } from '../../billing/in-advance';
import { computeInvoiceTotals } from '../../billing/invoice-totals';
import { chargeFeeLine, type FeeLine, type TaxRate } from '../../billing/fee-lines';
import { serializeFee } from '../../serializers/invoice';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { metricDefinition } from '../usage';
import { chargeTaxes } from './subscription-invoices';
import { feeRow, issueInvoice } from './invoice-writer';

export interface InAdvanceBilling {
  chargeId: string;
  feeAmountCents: string;
  invoiceId: string | null;
}

export async function billEventInAdvance(db: Db, input: { subscriptionId: string; transactionId: string }): Promise<InAdvanceBilling[]> {
  const ctx = await loadSubscriptionContext(db, input.subscriptionId);
  const event = await findEvent(db, ctx.organization.id, input.transactionId);
  if (!event) return [];
  const charges = (await liveChargesOfPlans(db, [ctx.plan.id])).filter((charge) => charge.pay_in_advance && charge.billable_metric_code === event.code);
  if (charges.length === 0) return [];
  const metrics = new Map((await findBillableMetricsByIds(db, ctx.organization.id, charges.map((c) => c.billable_metric_id))).map((m) => [m.id, m]));
  const billed: InAdvanceBilling[] = [];
  for (const charge of charges) {
    const line = await priceEvent(db, ctx, event, charge, metrics.get(charge.billable_metric_id)!);
    if (!line) continue; // nothing to bill (e.g. a user already counted this period)
    const invoiceId = charge.invoiceable ? await issueEventInvoice(db, ctx, event, charge, line) : await recordInvoicelessFee(db, ctx, event, charge, line);
    billed.push({ chargeId: charge.id, feeAmountCents: line.amountCents.toString(), invoiceId });
  }
  return billed;
}

function currencyOf(ctx: SubscriptionContext): string {
  return ctx.customer.currency ?? ctx.plan.amount_currency;
}

/** The event's fee line for the charge, or null when it bills nothing. */
async function priceEvent(db: Db, ctx: SubscriptionContext, event: EventRow, charge: ChargeWithMetric, metricRow: BillableMetricRow): Promise<FeeLine | null> {
  const eventMs = event.timestamp.getTime();
  const scope = chargesScopeAt(ctx.terms, eventMs);
  const metric = metricDefinition(metricRow);
  const currency = currencyOf(ctx);
  const events = await eventsUpTo(db, ctx.organization.id, ctx.subscription.external_id, event, metric.recurring ? 0 : scope.fromMs);
  const price = priceEventInAdvance({
    model: charge.charge_model,
    properties: parseChargeProperties(charge.charge_model, charge.properties),
    metric,
    events,
    window: { fromMs: scope.fromMs, toMs: scope.toMs, timezone: ctx.timezone, fullDays: scope.period.fullDays },
    currency,
  });
  if (price.fee.amountCents === 0n) return null;
  const line = chargeFeeLine({
    chargeId: charge.id, filterId: null, code: metricRow.code, name: metricRow.name, invoiceDisplayName: charge.invoice_display_name,
    units: price.units, pricedUnits: price.units, eventsCount: 1, amountCents: price.fee.amountCents, preciseAmountCents: price.fee.preciseAmountCents,
    unitAmount: price.result.unitAmount, details: price.result.details as unknown as Record<string, unknown>, seats: null,
    fromMs: eventMs, toMs: scope.toMs,
  }, currency, chargeTaxes(ctx, charge.id));
  return { ...line, payInAdvance: true };
}

const feeKey = (event: EventRow, charge: ChargeWithMetric) => `in_advance:${event.transaction_id}:${charge.id}`;

async function issueEventInvoice(db: Db, ctx: SubscriptionContext, event: EventRow, charge: ChargeWithMetric, line: FeeLine): Promise<string> {
  const scope = chargesScopeAt(ctx.terms, event.timestamp.getTime());
  const { invoice } = await issueInvoice(db, {
    organization: ctx.organization,
    customer: ctx.customer,
    idempotencyKey: feeKey(event, charge),
    type: 'subscription',
    reason: 'in_advance_charge',
    subscriptionId: ctx.subscription.id,
    currency: currencyOf(ctx),
    issuingDate: localDateOf(event.timestamp.getTime(), ctx.timezone),
    lines: [{ ...line, key: feeKey(event, charge), subscriptionId: ctx.subscription.id, planId: ctx.plan.id, billableMetricId: charge.billable_metric_id, eventTransactionId: event.transaction_id }],
    billingPeriods: [{
      lago_subscription_id: ctx.subscription.id, external_subscription_id: ctx.subscription.external_id, lago_plan_id: ctx.plan.id,
      charges_from_datetime: new Date(scope.fromMs).toISOString(), charges_to_datetime: new Date(scope.toMs).toISOString(), invoicing_reason: 'in_advance_charge',
    }],
  });
  return invoice.id;
}

/** A non-invoiceable charge: the fee alone, once, with `fee.created` in the same transaction. */
async function recordInvoicelessFee(db: Db, ctx: SubscriptionContext, event: EventRow, charge: ChargeWithMetric, line: FeeLine): Promise<null> {
  const currency = currencyOf(ctx);
  const totals = computeInvoiceTotals({
    currency,
    fees: [{ id: line.key, amountCents: line.amountCents, kind: 'charge', chargeId: charge.id, planId: ctx.plan.id, billableMetricId: charge.billable_metric_id, taxRates: line.taxes.map(taxRate) }],
    coupons: [],
    prepaidCreditCents: 0n,
  });
  const fee = { ...feeRow({ ...line, key: feeKey(event, charge), subscriptionId: ctx.subscription.id, eventTransactionId: event.transaction_id }, totals.fees[0]!), invoiceable: false };
  await db.transaction(async (trx) => {
    const inserted = await insertInvoicelessFeeOnce(trx, ctx.organization.id, currency, fee);
    if (!inserted) return;
    await recordWebhookEvent(trx, {
      organizationId: ctx.organization.id,
      webhookType: 'fee.created',
      objectType: 'fee',
      object: serializeFee(inserted, { customerId: ctx.customer.id, externalCustomerId: ctx.customer.external_id, paymentStatus: 'pending' }, ctx.subscription.external_id),
      idempotencyKey: `fee.created:${inserted.id}`,
    });
  });
  return null;
}

function taxRate(tax: TaxRate) {
  return { code: tax.code, rate: tax.rate };
}
