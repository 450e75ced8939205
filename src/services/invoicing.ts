/**
 * Issuing a subscription invoice: load what the billing core needs, let it compute the fees and
 * totals, and persist the result exactly once under the invoice's business key.
 */
import type { Db } from '../db/knex';
import { addDays, localDateOf, type LocalDate } from '../billing/calendar';
import { invoiceScopeAt, startingInvoiceScope, type InvoiceScope } from '../billing/periods';
import { subscriptionFeeLine, type FeeLine, type TaxRate } from '../billing/subscription-invoice';
import { computeInvoiceTotals } from '../billing/invoice-totals';
import { Dec } from '../billing/money';
import { findSubscriptionById, type SubscriptionRow } from '../db/subscriptions';
import { findPlanById, type PlanRow } from '../db/plans';
import { findCustomerById, type CustomerRow } from '../db/customers';
import { findOrganization, type OrganizationRow } from '../db/organizations';
import { insertInvoiceOnce, type FeeDraft } from '../db/invoices';
import { applicableTimezone, subscriptionTerms } from './subscription-terms';

export type InvoiceOccasion = { kind: 'starting' } | { kind: 'periodic'; billingDate: LocalDate };

export interface IssuedInvoice {
  invoiceId: string;
  number: string;
  totalAmountCents: string;
  created: boolean;
}

interface BillingContext {
  subscription: SubscriptionRow;
  plan: PlanRow;
  customer: CustomerRow;
  organization: OrganizationRow;
  timezone: string;
  taxes: TaxRate[];
}

async function loadBillingContext(db: Db, subscriptionId: string): Promise<BillingContext> {
  const subscription = await findSubscriptionById(db, subscriptionId);
  if (!subscription) throw new Error(`Subscription ${subscriptionId} does not exist`);
  const [plan, customer, organization] = await Promise.all([
    findPlanById(db, subscription.organization_id, subscription.plan_id),
    findCustomerById(db, subscription.customer_id),
    findOrganization(db, subscription.organization_id),
  ]);
  if (!plan || !customer || !organization) throw new Error(`Subscription ${subscriptionId} lost its plan, customer or organization`);
  const taxes = await db('taxes')
    .join('customer_taxes', 'customer_taxes.tax_id', 'taxes.id')
    .where('customer_taxes.owner_id', customer.id)
    .orderBy('taxes.code')
    .select<{ code: string; name: string; rate: string }[]>('taxes.code', 'taxes.name', 'taxes.rate');
  return {
    subscription, plan, customer, organization,
    timezone: applicableTimezone(customer, organization),
    taxes: taxes.map((tax) => ({ code: tax.code, name: tax.name, rate: new Dec(tax.rate) })),
  };
}

function idempotencyKey(subscriptionId: string, occasion: InvoiceOccasion): string {
  return occasion.kind === 'starting' ? `subscription:${subscriptionId}:starting` : `subscription:${subscriptionId}:periodic:${occasion.billingDate}`;
}

export async function issueSubscriptionInvoice(db: Db, input: { subscriptionId: string; occasion: InvoiceOccasion }): Promise<IssuedInvoice | null> {
  const ctx = await loadBillingContext(db, input.subscriptionId);
  const terms = subscriptionTerms(ctx.subscription, ctx.plan, ctx.timezone);
  const scope = input.occasion.kind === 'starting' ? startingInvoiceScope(terms) : invoiceScopeAt(terms, input.occasion.billingDate);
  if (!scope) return null;
  const currency = ctx.customer.currency ?? ctx.plan.amount_currency;
  const lines = feeLines(ctx, scope, currency);
  const totals = computeInvoiceTotals({
    currency,
    fees: lines.map((line) => ({ id: line.key, amountCents: line.amountCents, kind: line.kind, chargeId: line.chargeId, planId: ctx.plan.id, taxRates: line.taxes.map((tax) => ({ code: tax.code, rate: tax.rate })) })),
    coupons: [],
    prepaidCreditCents: 0n,
  });
  const issuingDate = input.occasion.kind === 'starting' ? localDateOf(terms.startedAt, ctx.timezone) : input.occasion.billingDate;
  const netPaymentTerm = ctx.customer.net_payment_term ?? ctx.organization.net_payment_term;
  const { invoice, created } = await insertInvoiceOnce(
    db,
    {
      organization_id: ctx.organization.id,
      customer_id: ctx.customer.id,
      subscription_id: ctx.subscription.id,
      idempotency_key: idempotencyKey(ctx.subscription.id, input.occasion),
      invoice_type: 'subscription',
      invoicing_reason: input.occasion.kind === 'starting' ? 'subscription_starting' : 'subscription_periodic',
      status: 'finalized',
      payment_status: totals.totalAmountCents > 0n ? 'pending' : 'succeeded',
      issuing_date: issuingDate,
      payment_due_date: addDays(issuingDate, netPaymentTerm),
      net_payment_term: netPaymentTerm,
      currency,
      fees_amount_cents: totals.feesAmountCents,
      coupons_amount_cents: totals.couponsAmountCents,
      credit_notes_amount_cents: totals.creditNotesAmountCents,
      sub_total_excluding_taxes_amount_cents: totals.subTotalExcludingTaxesAmountCents,
      taxes_amount_cents: totals.taxesAmountCents,
      sub_total_including_taxes_amount_cents: totals.subTotalIncludingTaxesAmountCents,
      prepaid_credit_amount_cents: totals.prepaidCreditAmountCents,
      total_amount_cents: totals.totalAmountCents,
      applied_taxes: appliedTaxes(lines, totals),
      billing_periods: [billingPeriod(ctx, scope, input.occasion)],
    },
    lines.map((line) => feeDraft(ctx, line, totals)),
    { prefix: ctx.organization.document_number_prefix, mode: ctx.organization.document_numbering, customerSequentialId: ctx.customer.sequential_id },
  );
  return { invoiceId: invoice.id, number: invoice.number, totalAmountCents: invoice.total_amount_cents.toString(), created };
}

function feeLines(ctx: BillingContext, scope: InvoiceScope, currency: string): FeeLine[] {
  const lines: FeeLine[] = [];
  if (scope.baseFee) {
    lines.push(subscriptionFeeLine(
      { code: ctx.plan.code, name: ctx.plan.name, invoiceDisplayName: ctx.plan.invoice_display_name, amountCents: ctx.plan.amount_cents, payInAdvance: ctx.plan.pay_in_advance },
      scope.baseFee, currency, ctx.taxes,
    ));
  }
  return lines;
}

type Totals = ReturnType<typeof computeInvoiceTotals>;

function feeDraft(ctx: BillingContext, line: FeeLine, totals: Totals): FeeDraft {
  const perFee = totals.fees.find((fee) => fee.id === line.key);
  return {
    subscription_id: ctx.subscription.id,
    charge_id: line.chargeId,
    fee_type: line.kind,
    fee_key: line.key,
    item_code: line.itemCode,
    item_name: line.itemName,
    invoice_display_name: line.invoiceDisplayName,
    units: line.units.toFixed(),
    total_aggregated_units: line.totalAggregatedUnits.toFixed(),
    events_count: line.eventsCount,
    amount_cents: line.amountCents,
    precise_amount_cents: line.preciseAmountCents.toFixed(),
    precise_unit_amount: line.preciseUnitAmount.toFixed(),
    unit_amount_cents: line.unitAmountCents,
    precise_coupons_amount_cents: (perFee?.couponsPreciseAmountCents ?? new Dec(0)).toFixed(),
    taxes_amount_cents: perFee?.taxesAmountCents ?? 0n,
    taxes_precise_amount_cents: (perFee?.taxesPreciseAmountCents ?? new Dec(0)).toFixed(),
    taxes_rate: line.taxes.reduce((sum, tax) => sum.plus(tax.rate), new Dec(0)).toFixed(),
    applied_taxes: line.taxes.map((tax) => ({ tax_code: tax.code, tax_name: tax.name, tax_rate: Number(tax.rate) })),
    from_datetime: new Date(line.fromMs),
    to_datetime: new Date(line.toMs),
    amount_details: line.amountDetails,
    pay_in_advance: line.payInAdvance,
    invoiceable: true,
    event_transaction_id: null,
  };
}

function appliedTaxes(lines: FeeLine[], totals: Totals) {
  return totals.appliedTaxes.map((applied) => {
    const tax = lines.flatMap((line) => line.taxes).find((candidate) => candidate.code === applied.taxCode);
    return {
      tax_code: applied.taxCode,
      tax_name: tax?.name ?? null,
      tax_rate: Number(applied.rate),
      amount_cents: Number(applied.amountCents),
      fees_amount_cents: Number(applied.baseAmountCents),
    };
  });
}

function billingPeriod(ctx: BillingContext, scope: InvoiceScope, occasion: InvoiceOccasion) {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    lago_subscription_id: ctx.subscription.id,
    external_subscription_id: ctx.subscription.external_id,
    lago_plan_id: ctx.plan.id,
    subscription_from_datetime: iso(scope.baseFee?.fromMs),
    subscription_to_datetime: iso(scope.baseFee?.toMs),
    charges_from_datetime: iso(scope.charges?.fromMs),
    charges_to_datetime: iso(scope.charges?.toMs),
    invoicing_reason: occasion.kind === 'starting' ? 'subscription_starting' : 'subscription_periodic',
  };
}
