/**
 * Billing an event at once for the pay-in-advance charges on its metric: a fee priced by the
 * difference rule and, when the charge is invoiceable, its own invoice. Once per (event, charge):
 * a retry finds the invoice (or invoice-less fee) already written.
 */
import type { Db } from '../../db/knex';
import { localDateOf } from '../../billing/calendar';
import { chargesScopeAt } from '../../billing/periods';
import { parseChargeProperties } from '../../billing/charge-models';
import { priceEventInAdvance } from '../../billing/in-advance';
import { computeInvoiceTotals } from '../../billing/invoice-totals';
import { chargeFeeLine } from '../../billing/subscription-invoice';
import { addDays } from '../../billing/calendar';
import type { UsageEvent } from '../../billing/types';
import { findSubscriptionById } from '../../db/subscriptions';
import { insertInvoiceOnce, type FeeDraft, type FeeRow } from '../../db/invoices';
import type { Knex } from 'knex';
import { recordWebhookEvent } from '../../webhooks/outbox';
import type { ChargeRow } from '../../db/charges';
import type { BillableMetricRow } from '../../db/billable-metrics';
import { metricDefinition } from '../usage/charge-usage';
import { subscriptionTerms } from '../../billing/subscription-terms';
import { chargeTaxes, loadBillingContext } from './subscription-invoices';

export interface InAdvanceBilling {
  chargeId: string;
  feeAmountCents: string;
  invoiceId: string | null;
}

export async function billEventInAdvance(db: Db, input: { subscriptionId: string; transactionId: string }): Promise<InAdvanceBilling[]> {
  const subscription = await findSubscriptionById(db, input.subscriptionId);
  if (!subscription) throw new Error(`Subscription ${input.subscriptionId} does not exist`);
  const event = await db('events').where({ organization_id: subscription.organization_id, transaction_id: input.transactionId }).first();
  if (!event) return [];
  const charges = await db<ChargeRow & { metric: BillableMetricRow }>('charges')
    .join('billable_metrics', 'billable_metrics.id', 'charges.billable_metric_id')
    .where({ 'charges.plan_id': subscription.plan_id, 'charges.pay_in_advance': true, 'billable_metrics.code': event.code })
    .whereNull('charges.deleted_at')
    .select('charges.*', db.raw('row_to_json(billable_metrics.*) AS metric'));
  if (charges.length === 0) return [];

  const ctx = await loadBillingContext(db, subscription.id);
  const { plan, customer, organization, timezone } = ctx;
  const terms = subscriptionTerms(subscription, plan, timezone);
  const eventMs = (event.timestamp as Date).getTime();
  const scope = chargesScopeAt(terms, eventMs);
  const currency = customer.currency ?? plan.amount_currency;
  const billed: InAdvanceBilling[] = [];
  for (const charge of charges) {
    const taxes = chargeTaxes(ctx, charge.id);
    const metric = metricDefinition(charge.metric);
    const events = await eventsUpTo(db, subscription.organization_id, subscription.external_id, event, metric.recurring ? 0 : scope.fromMs);
    const price = priceEventInAdvance({
      model: charge.charge_model,
      properties: parseChargeProperties(charge.charge_model, charge.properties),
      metric,
      events,
      window: { fromMs: scope.fromMs, toMs: scope.toMs, timezone, fullDays: scope.period.fullDays },
      currency,
    });
    if (price.fee.amountCents === 0n) continue; // nothing to bill (e.g. a user already counted this period)
    const line = chargeFeeLine({
      chargeId: charge.id, filterId: null, code: charge.metric.code, name: charge.metric.name, invoiceDisplayName: charge.invoice_display_name,
      units: price.units, pricedUnits: price.units, eventsCount: 1, amountCents: price.fee.amountCents, preciseAmountCents: price.fee.preciseAmountCents,
      unitAmount: price.result.unitAmount, details: price.result.details as unknown as Record<string, unknown>, seats: null,
      fromMs: eventMs, toMs: scope.toMs,
    }, currency, taxes);
    const totals = computeInvoiceTotals({
      currency,
      fees: [{ id: line.key, amountCents: line.amountCents, kind: 'charge', chargeId: charge.id, planId: plan.id, billableMetricId: charge.metric.id, taxRates: taxes.map((tax) => ({ code: tax.code, rate: tax.rate })) }],
      coupons: [],
      prepaidCreditCents: 0n,
    });
    const perFee = totals.fees[0]!;
    const fee: FeeDraft = {
      subscription_id: subscription.id, charge_id: charge.id, fee_type: 'charge', fee_key: `in_advance:${event.transaction_id}:${charge.id}`,
      item_code: line.itemCode, item_name: line.itemName, invoice_display_name: line.invoiceDisplayName,
      units: line.units.toFixed(), total_aggregated_units: line.totalAggregatedUnits.toFixed(), events_count: 1,
      amount_cents: line.amountCents, precise_amount_cents: line.preciseAmountCents.toFixed(), precise_unit_amount: line.preciseUnitAmount.toFixed(),
      unit_amount_cents: line.unitAmountCents, precise_coupons_amount_cents: '0',
      taxes_amount_cents: perFee.taxesAmountCents, taxes_precise_amount_cents: perFee.taxesPreciseAmountCents.toFixed(),
      taxes_rate: perFee.taxesRate.toFixed(), applied_taxes: taxes.map((tax) => ({ tax_code: tax.code, tax_name: tax.name, tax_rate: Number(tax.rate) })),
      from_datetime: new Date(eventMs), to_datetime: new Date(scope.toMs), amount_details: line.amountDetails,
      pay_in_advance: true, invoiceable: charge.invoiceable, event_transaction_id: event.transaction_id,
    };
    if (!charge.invoiceable) {
      await db.transaction(async (trx) => {
        const [inserted] = await trx('fees').insert({ ...fee, organization_id: subscription.organization_id, invoice_id: null, currency,
          applied_taxes: JSON.stringify(fee.applied_taxes), amount_details: JSON.stringify(fee.amount_details) })
          .onConflict(trx.raw('(organization_id, fee_key) WHERE invoice_id IS NULL')).ignore().returning('*');
        if (inserted) await recordFeeCreated(trx, inserted, subscription.external_id, customer.external_id);
      });
      billed.push({ chargeId: charge.id, feeAmountCents: line.amountCents.toString(), invoiceId: null });
      continue;
    }
    const issuingDate = localDateOf(eventMs, timezone);
    const netPaymentTerm = customer.net_payment_term ?? organization.net_payment_term;
    const { invoice } = await insertInvoiceOnce(db, {
      organization_id: organization.id, customer_id: customer.id, subscription_id: subscription.id,
      idempotency_key: `in_advance:${event.transaction_id}:${charge.id}`, invoice_type: 'subscription', invoicing_reason: 'in_advance_charge',
      status: 'finalized', payment_status: totals.totalAmountCents > 0n ? 'pending' : 'succeeded',
      issuing_date: issuingDate, payment_due_date: addDays(issuingDate, netPaymentTerm), net_payment_term: netPaymentTerm, currency,
      fees_amount_cents: totals.feesAmountCents, coupons_amount_cents: 0n, credit_notes_amount_cents: 0n,
      sub_total_excluding_taxes_amount_cents: totals.subTotalExcludingTaxesAmountCents, taxes_amount_cents: totals.taxesAmountCents,
      sub_total_including_taxes_amount_cents: totals.subTotalIncludingTaxesAmountCents, prepaid_credit_amount_cents: 0n,
      total_amount_cents: totals.totalAmountCents,
      applied_taxes: totals.appliedTaxes.map((tax) => ({ tax_code: tax.taxCode, tax_rate: Number(tax.rate), amount_cents: Number(tax.amountCents), fees_amount_cents: Number(tax.baseAmountCents) })),
      billing_periods: [{ lago_subscription_id: subscription.id, external_subscription_id: subscription.external_id, lago_plan_id: plan.id,
        charges_from_datetime: new Date(scope.fromMs).toISOString(), charges_to_datetime: new Date(scope.toMs).toISOString(), invoicing_reason: 'in_advance_charge' }],
    }, [fee], { prefix: organization.document_number_prefix, mode: organization.document_numbering, customerSequentialId: customer.sequential_id });
    billed.push({ chargeId: charge.id, feeAmountCents: line.amountCents.toString(), invoiceId: invoice.id });
  }
  return billed;
}

async function eventsUpTo(db: Db, organizationId: string, externalId: string, event: { code: string; timestamp: Date; transaction_id: string }, fromMs: number): Promise<UsageEvent[]> {
  const rows = await db('events')
    .where({ organization_id: organizationId, external_subscription_id: externalId, code: event.code })
    .where('timestamp', '>=', new Date(fromMs))
    .whereRaw('("timestamp", transaction_id) <= (?, ?)', [event.timestamp, event.transaction_id])
    .orderBy([{ column: 'timestamp' }, { column: 'transaction_id' }])
    .select('transaction_id', 'timestamp', 'properties');
  return rows.map((row) => ({ transactionId: row.transaction_id, timestamp: (row.timestamp as Date).getTime(), properties: row.properties }));
}

/** `fee.created` for a fee billed without an invoice (Lago's signal for `invoiceable: false`). */
async function recordFeeCreated(trx: Knex.Transaction, fee: FeeRow, externalSubscriptionId: string, externalCustomerId: string): Promise<void> {
  await recordWebhookEvent(trx, {
    organizationId: fee.organization_id,
    webhookType: 'fee.created',
    objectType: 'fee',
    object: {
      lago_id: fee.id, lago_charge_id: fee.charge_id, lago_invoice_id: null, lago_subscription_id: fee.subscription_id,
      external_subscription_id: externalSubscriptionId, external_customer_id: externalCustomerId,
      item: { type: 'charge', code: fee.item_code, name: fee.item_name, invoice_display_name: fee.invoice_display_name ?? fee.item_name },
      pay_in_advance: true, invoiceable: false, amount_cents: Number(fee.amount_cents), amount_currency: fee.currency,
      taxes_amount_cents: Number(fee.taxes_amount_cents), units: fee.units, events_count: fee.events_count,
      event_transaction_id: fee.event_transaction_id, created_at: fee.created_at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
    idempotencyKey: `fee.created:${fee.id}`,
  });
}
