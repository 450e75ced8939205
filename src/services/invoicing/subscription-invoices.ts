/**
 * Issuing a subscription invoice: load what the billing core needs, let it compute the fees and
 * totals, and persist the result exactly once under the invoice's business key.
 */
import type { Db } from '../../db/knex';
import { addDays, localDateOf, startOfLocalDay, type LocalDate } from '../../billing/calendar';
import { invoiceScopeAt, startingInvoiceScope, terminationScope, type InvoiceScope, type SubscriptionTerms } from '../../billing/periods';
import { applicableTaxes, billsBaseFee, billsUsage, chargeFeeLine, subscriptionFeeLine, type FeeLine, type TaxRate } from '../../billing/subscription-invoice';
import { computeInvoiceTotals } from '../../billing/invoice-totals';
import { Dec } from '../../billing/money';
import { findSubscriptionById, type SubscriptionRow } from '../../db/subscriptions';
import { findPlanById, type PlanRow } from '../../db/plans';
import { findCustomerById, type CustomerRow } from '../../db/customers';
import { findOrganization, type OrganizationRow } from '../../db/organizations';
import { insertInvoiceOnce, type FeeDraft } from '../../db/invoices';
import { applicableTimezone, subscriptionTerms } from '../../billing/subscription-terms';
import { computeChargesUsage, type BucketUsage, type ChargeUsageLine } from '../usage/charge-usage';
import { consumeInvoiceAdjustments, loadInvoiceAdjustments } from './invoice-adjustments';

/** Why an invoice is issued; each occasion has one business key, so it is issued once. */
export type InvoiceOccasion =
  | { kind: 'starting'; subscriptionId: string }
  | { kind: 'periodic'; subscriptionId: string; billingDate: LocalDate }
  | { kind: 'termination'; subscriptionId: string; atMs: number }
  | { kind: 'upgrade'; fromSubscriptionId: string; toSubscriptionId: string; atMs: number }
  | { kind: 'downgrade'; fromSubscriptionId: string; toSubscriptionId: string; billingDate: LocalDate };

export interface IssuedInvoice {
  invoiceId: string;
  number: string;
  totalAmountCents: string;
  created: boolean;
}

type InvoicingReason = 'subscription_starting' | 'subscription_periodic' | 'subscription_terminating';

/** One subscription's share of an invoice: what its scope covers. */
interface InvoicePart {
  ctx: BillingContext;
  terms: SubscriptionTerms;
  scope: InvoiceScope;
  reason: InvoicingReason;
}

export interface BillingContext {
  subscription: SubscriptionRow;
  plan: PlanRow;
  customer: CustomerRow;
  organization: OrganizationRow;
  timezone: string;
  /** Taxes by precedence (Lago): a charge's own, else the plan's, else the customer's. */
  customerTaxes: TaxRate[];
  planTaxes: TaxRate[];
  chargeTaxes: Map<string, TaxRate[]>;
}

/** A subscription with its plan, customer, organization, timezone and the taxes that may apply. */
export async function loadBillingContext(db: Db, subscriptionId: string): Promise<BillingContext> {
  const subscription = await findSubscriptionById(db, subscriptionId);
  if (!subscription) throw new Error(`Subscription ${subscriptionId} does not exist`);
  const [plan, customer, organization] = await Promise.all([
    findPlanById(db, subscription.organization_id, subscription.plan_id),
    findCustomerById(db, subscription.customer_id),
    findOrganization(db, subscription.organization_id),
  ]);
  if (!plan || !customer || !organization) throw new Error(`Subscription ${subscriptionId} lost its plan, customer or organization`);
  const [customerTaxes, planTaxes, chargeTaxRows] = await Promise.all([
    taxesOf(db, 'customer_taxes', [customer.id]),
    taxesOf(db, 'plan_taxes', [plan.id]),
    taxesOf(db, 'charge_taxes', db('charges').select('id').where({ plan_id: plan.id })),
  ]);
  const chargeTaxes = new Map<string, TaxRate[]>();
  for (const { owner, tax } of chargeTaxRows) chargeTaxes.set(owner, [...(chargeTaxes.get(owner) ?? []), tax]);
  return {
    subscription, plan, customer, organization,
    timezone: applicableTimezone(customer, organization),
    customerTaxes: customerTaxes.map(({ tax }) => tax),
    planTaxes: planTaxes.map(({ tax }) => tax),
    chargeTaxes,
  };
}

async function taxesOf(db: Db, link: 'customer_taxes' | 'plan_taxes' | 'charge_taxes', owners: string[] | ReturnType<Db>): Promise<{ owner: string; tax: TaxRate }[]> {
  const rows = await db('taxes').join(link, `${link}.tax_id`, 'taxes.id').whereIn(`${link}.owner_id`, owners as string[])
    .orderBy('taxes.code').select<{ owner_id: string; code: string; name: string; rate: string }[]>(`${link}.owner_id`, 'taxes.code', 'taxes.name', 'taxes.rate');
  return rows.map((row) => ({ owner: row.owner_id, tax: { code: row.code, name: row.name, rate: new Dec(row.rate) } }));
}

function baseFeeTaxes(ctx: BillingContext): TaxRate[] {
  return applicableTaxes({ plan: ctx.planTaxes, customer: ctx.customerTaxes });
}

export function chargeTaxes(ctx: BillingContext, chargeId: string): TaxRate[] {
  return applicableTaxes({ charge: ctx.chargeTaxes.get(chargeId), plan: ctx.planTaxes, customer: ctx.customerTaxes });
}

async function part(db: Db, subscriptionId: string, reason: InvoicingReason, scopeOf: (terms: SubscriptionTerms) => InvoiceScope | null): Promise<InvoicePart | null> {
  const ctx = await loadBillingContext(db, subscriptionId);
  const terms = subscriptionTerms(ctx.subscription, ctx.plan, ctx.timezone);
  const scope = scopeOf(terms);
  return scope && (scope.baseFee || scope.charges) ? { ctx, terms, scope, reason } : null;
}

async function partsOf(db: Db, occasion: InvoiceOccasion): Promise<InvoicePart[]> {
  const parts: (InvoicePart | null)[] = [];
  switch (occasion.kind) {
    case 'starting':
      parts.push(await part(db, occasion.subscriptionId, 'subscription_starting', startingInvoiceScope));
      break;
    case 'periodic':
      parts.push(await part(db, occasion.subscriptionId, 'subscription_periodic', (terms) => invoiceScopeAt(terms, occasion.billingDate)));
      break;
    case 'termination':
      parts.push(await part(db, occasion.subscriptionId, 'subscription_terminating', (terms) => terminationScope(terms, occasion.atMs, 'termination')));
      break;
    case 'upgrade':
      parts.push(await part(db, occasion.fromSubscriptionId, 'subscription_terminating', (terms) => terminationScope(terms, occasion.atMs, 'upgrade')));
      parts.push(await part(db, occasion.toSubscriptionId, 'subscription_starting', startingInvoiceScope));
      break;
    case 'downgrade': {
      parts.push(await part(db, occasion.fromSubscriptionId, 'subscription_terminating', (terms) =>
        terminationScope(terms, startOfLocalDay(occasion.billingDate, terms.schedule.timezone) - 1, 'termination')));
      parts.push(await part(db, occasion.toSubscriptionId, 'subscription_starting', startingInvoiceScope));
      break;
    }
  }
  return parts.filter((entry): entry is InvoicePart => entry !== null);
}

function idempotencyKey(occasion: InvoiceOccasion): string {
  switch (occasion.kind) {
    case 'starting': return `subscription:${occasion.subscriptionId}:starting`;
    case 'periodic': return `subscription:${occasion.subscriptionId}:periodic:${occasion.billingDate}`;
    case 'termination': return `subscription:${occasion.subscriptionId}:termination`;
    case 'upgrade': return `subscription:${occasion.fromSubscriptionId}:upgrade`;
    case 'downgrade': return `subscription:${occasion.fromSubscriptionId}:downgrade:${occasion.billingDate}`;
  }
}

function issuingDateOf(occasion: InvoiceOccasion, parts: InvoicePart[]): LocalDate {
  const timezone = parts[parts.length - 1]!.ctx.timezone;
  switch (occasion.kind) {
    case 'periodic':
    case 'downgrade':
      return occasion.billingDate;
    case 'starting':
      return localDateOf(parts[0]!.terms.startedAt, timezone);
    case 'termination':
    case 'upgrade':
      return localDateOf(occasion.atMs, timezone);
  }
}

/** Issues the invoice of an occasion once: a retry or a duplicate returns the invoice already issued. */
export async function issueSubscriptionInvoice(db: Db, occasion: InvoiceOccasion): Promise<IssuedInvoice | null> {
  const parts = await partsOf(db, occasion);
  if (parts.length === 0) return null;
  const main = parts[parts.length - 1]!.ctx;
  const currency = main.customer.currency ?? main.plan.amount_currency;
  const lines: { part: InvoicePart; line: FeeLine; metricId: string | null }[] = [];
  for (const entry of parts) {
    for (const { line, metricId } of await feeLines(db, entry, currency)) {
      lines.push({ part: entry, line: { ...line, key: `${entry.ctx.subscription.id}:${line.key}` }, metricId });
    }
  }
  if (lines.length === 0) return null; // e.g. an in-advance plan without charges has nothing to close
  const issuingDate = issuingDateOf(occasion, parts);
  const asOfMs = startOfLocalDay(issuingDate, main.timezone);
  const adjustments = await loadInvoiceAdjustments(db, { organizationId: main.organization.id, customerId: main.customer.id, currency, asOfMs });
  const totals = computeInvoiceTotals({
    currency,
    fees: lines.map(({ part: entry, line, metricId }) => ({
      id: line.key, amountCents: line.amountCents, kind: line.kind, chargeId: line.chargeId, planId: entry.ctx.plan.id, billableMetricId: metricId,
      taxRates: line.taxes.map((tax) => ({ code: tax.code, rate: tax.rate })),
    })),
    coupons: adjustments.coupons,
    creditNoteCents: adjustments.creditNoteCents,
    prepaidCreditCents: adjustments.prepaidCreditCents,
  });
  const netPaymentTerm = main.customer.net_payment_term ?? main.organization.net_payment_term;
  const { invoice, created } = await insertInvoiceOnce(
    db,
    {
      organization_id: main.organization.id,
      customer_id: main.customer.id,
      subscription_id: main.subscription.id,
      idempotency_key: idempotencyKey(occasion),
      invoice_type: 'subscription',
      invoicing_reason: parts[0]!.reason,
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
      applied_taxes: appliedTaxes(lines.map(({ line }) => line), totals),
      billing_periods: parts.map(billingPeriod),
    },
    lines.map(({ part: entry, line }) => feeDraft(entry.ctx, line, totals)),
    { prefix: main.organization.document_number_prefix, mode: main.organization.document_numbering, customerSequentialId: main.customer.sequential_id },
    (trx, invoice) => consumeInvoiceAdjustments(trx, invoice, totals, asOfMs),
  );
  return { invoiceId: invoice.id, number: invoice.number, totalAmountCents: invoice.total_amount_cents.toString(), created };
}

/** The part's fees: its base fee, and one fee per usage charge (and filter) billed in arrears. */
async function feeLines(db: Db, { ctx, scope }: InvoicePart, currency: string): Promise<{ line: FeeLine; metricId: string | null }[]> {
  const lines: { line: FeeLine; metricId: string | null }[] = [];
  if (scope.baseFee && billsBaseFee({ amountCents: ctx.plan.amount_cents })) {
    const plan = { code: ctx.plan.code, name: ctx.plan.name, invoiceDisplayName: ctx.plan.invoice_display_name, amountCents: ctx.plan.amount_cents, payInAdvance: ctx.plan.pay_in_advance };
    lines.push({ line: subscriptionFeeLine(plan, scope.baseFee, currency, baseFeeTaxes(ctx)), metricId: null });
  }
  if (scope.charges) {
    const usage = await computeChargesUsage(db, { subscriptionId: ctx.subscription.id, fromMs: scope.charges.fromMs, toMs: scope.charges.toMs });
    for (const charge of usage.charges.filter((line) => !line.charge.pay_in_advance)) {
      for (const bucket of charge.buckets.filter((entry) => billsUsage({ amountCents: entry.fee.amountCents, units: entry.fullUnits, eventsCount: entry.eventsCount }))) {
        lines.push({ line: chargeFeeLine(chargeLineInput(charge, bucket, scope.charges), currency, chargeTaxes(ctx, charge.charge.id)), metricId: charge.metric.id });
      }
    }
  }
  return lines;
}

function chargeLineInput(charge: ChargeUsageLine, bucket: BucketUsage, window: { fromMs: number; toMs: number }) {
  return {
    chargeId: charge.charge.id,
    filterId: bucket.filter?.id ?? null,
    code: charge.metric.code,
    name: bucket.filter?.invoice_display_name ?? charge.metric.name,
    invoiceDisplayName: charge.charge.invoice_display_name,
    units: bucket.fullUnits,
    pricedUnits: bucket.units,
    eventsCount: bucket.eventsCount,
    amountCents: bucket.fee.amountCents,
    preciseAmountCents: bucket.fee.preciseAmountCents,
    unitAmount: bucket.result.unitAmount,
    details: bucket.result.details as unknown as Record<string, unknown>,
    seats: bucket.breakdown?.map((seat) => ({ value: seat.value, addedOn: seat.addedOn, removedOn: seat.removedOn, daysBilled: seat.daysBilled })) ?? null,
    fromMs: window.fromMs,
    toMs: window.toMs,
  };
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

function billingPeriod({ ctx, scope, reason }: InvoicePart) {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    lago_subscription_id: ctx.subscription.id,
    external_subscription_id: ctx.subscription.external_id,
    lago_plan_id: ctx.plan.id,
    subscription_from_datetime: iso(scope.baseFee?.fromMs),
    subscription_to_datetime: iso(scope.baseFee?.toMs),
    charges_from_datetime: iso(scope.charges?.fromMs),
    charges_to_datetime: iso(scope.charges?.toMs),
    invoicing_reason: reason,
  };
}
