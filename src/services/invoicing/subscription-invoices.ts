/**
 * Issuing a subscription invoice: each subscription part of the occasion (one, or two for a plan
 * change) gets its scope from the billing core, its lines are priced (base fee, usage charges in
 * arrears), and the invoice writer issues the whole exactly once under the occasion's business key,
 * recording each part (`invoice_subscriptions`) in its transaction. A customer's periodic closes of
 * one day share one invoice: consolidated-invoices.ts, which builds its parts with `periodicPart`
 * and issues them with `issuePartsInvoice`.
 */
import type { Db } from '../../db/knex';
import { loadSubscriptionContext, type SubscriptionContext } from '../../db/subscription-context';
import { closeOccasion, insertInvoiceParts, type PartOccasion } from '../../db/invoice-subscriptions';
import { localDateOf, startOfLocalDay, type LocalDate } from '../../billing/calendar';
import { invoiceScopeAt, startingInvoiceScope, terminationScope, type InvoiceScope, type SubscriptionTerms } from '../../billing/periods';
import { applicableTaxes, billsBaseFee, billsUsage, chargeFeeLine, subscriptionFeeLine, type TaxRate } from '../../billing/fee-lines';
import { computeChargesUsage, type BucketUsage, type ChargeUsageLine } from '../usage';
import { loadInvoiceAdjustments } from './invoice-adjustments';
import { issueInvoice, type BillingPeriod, type InvoiceLine } from './invoice-writer';

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

/** One subscription's share of an invoice: what its scope covers, and which occasion of its life it bills. */
export interface InvoicePart {
  ctx: SubscriptionContext;
  scope: InvoiceScope;
  reason: InvoicingReason;
  occasion: PartOccasion;
}

/** A base fee: the plan's taxes, else the customer's. */
function baseFeeTaxes(ctx: SubscriptionContext): TaxRate[] {
  return applicableTaxes({ plan: ctx.taxes.plan, customer: ctx.taxes.customer });
}

/** A charge's fee: the charge's own taxes, else the plan's, else the customer's (Lago's precedence). */
export function chargeTaxes(ctx: SubscriptionContext, chargeId: string): TaxRate[] {
  return applicableTaxes({ charge: ctx.taxes.charges.get(chargeId), plan: ctx.taxes.plan, customer: ctx.taxes.customer });
}

async function part(db: Db, subscriptionId: string, reason: InvoicingReason, occasion: PartOccasion, scopeOf: (terms: SubscriptionTerms) => InvoiceScope | null): Promise<InvoicePart | null> {
  return partOf(await loadSubscriptionContext(db, subscriptionId), reason, occasion, scopeOf);
}

function partOf(ctx: SubscriptionContext, reason: InvoicingReason, occasion: PartOccasion, scopeOf: (terms: SubscriptionTerms) => InvoiceScope | null): InvoicePart | null {
  const scope = scopeOf(ctx.terms);
  return scope && (scope.baseFee || scope.charges) ? { ctx, scope, reason, occasion } : null;
}

/** The periodic part of a subscription (its context loaded) at `billingDate`, or null when it bills nothing then. */
export function periodicPart(ctx: SubscriptionContext, billingDate: LocalDate): InvoicePart | null {
  return partOf(ctx, 'subscription_periodic', closeOccasion(billingDate), (terms) => invoiceScopeAt(terms, billingDate));
}

async function partsOf(db: Db, occasion: InvoiceOccasion): Promise<InvoicePart[]> {
  const parts: (InvoicePart | null)[] = [];
  switch (occasion.kind) {
    case 'starting':
      parts.push(await part(db, occasion.subscriptionId, 'subscription_starting', 'start', startingInvoiceScope));
      break;
    case 'periodic':
      parts.push(periodicPart(await loadSubscriptionContext(db, occasion.subscriptionId), occasion.billingDate));
      break;
    case 'termination':
      parts.push(await part(db, occasion.subscriptionId, 'subscription_terminating', 'termination', (terms) => terminationScope(terms, occasion.atMs, 'termination')));
      break;
    case 'upgrade':
      parts.push(await part(db, occasion.fromSubscriptionId, 'subscription_terminating', 'termination', (terms) => terminationScope(terms, occasion.atMs, 'upgrade')));
      parts.push(await part(db, occasion.toSubscriptionId, 'subscription_starting', 'start', startingInvoiceScope));
      break;
    case 'downgrade': {
      // The old plan's last period closes at the billing date, as a periodic close would.
      parts.push(await part(db, occasion.fromSubscriptionId, 'subscription_terminating', closeOccasion(occasion.billingDate), (terms) =>
        terminationScope(terms, startOfLocalDay(occasion.billingDate, terms.schedule.timezone) - 1, 'termination')));
      parts.push(await part(db, occasion.toSubscriptionId, 'subscription_starting', 'start', startingInvoiceScope));
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
      return localDateOf(parts[0]!.ctx.terms.startedAt, timezone);
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
  return issuePartsInvoice(db, { idempotencyKey: idempotencyKey(occasion), parts, issuingDate: issuingDateOf(occasion, parts), subscriptionId: main.subscription.id });
}

/**
 * Issues one invoice of these parts under the business key, once, with its parts recorded in the
 * writer's transaction (a part already recorded for another invoice fails it: never billed twice).
 * Null when the parts bill nothing (e.g. an in-advance plan without charges has nothing to close).
 */
export async function issuePartsInvoice(
  db: Db,
  input: { idempotencyKey: string; parts: InvoicePart[]; issuingDate: LocalDate; subscriptionId: string | null },
): Promise<IssuedInvoice | null> {
  const { parts, issuingDate } = input;
  const main = parts[parts.length - 1]!.ctx;
  const currency = main.customer.currency ?? main.plan.amount_currency;
  const lines: InvoiceLine[] = [];
  for (const entry of parts) lines.push(...(await linesOf(db, entry, currency)));
  if (lines.length === 0) return null;
  const asOfMs = startOfLocalDay(issuingDate, main.timezone);
  const adjustments = await loadInvoiceAdjustments(db, { organizationId: main.organization.id, customerId: main.customer.id, currency, asOfMs });
  const { invoice, created } = await db.transaction(async (trx) => {
    const written = await issueInvoice(trx, {
      organization: main.organization,
      customer: main.customer,
      idempotencyKey: input.idempotencyKey,
      type: 'subscription',
      reason: parts[0]!.reason,
      subscriptionId: input.subscriptionId,
      currency,
      issuingDate,
      lines,
      billingPeriods: parts.map(billingPeriod),
      adjustments: { ...adjustments, asOfMs },
    });
    if (written.created) {
      await insertInvoiceParts(trx, main.organization.id, written.invoice.id, parts.map((entry) => ({
        subscription_id: entry.ctx.subscription.id, occasion: entry.occasion, invoicing_reason: entry.reason,
      })));
    }
    return written;
  });
  return { invoiceId: invoice.id, number: invoice.number, totalAmountCents: invoice.total_amount_cents.toString(), created };
}

/** The part's lines: its base fee, and one line per usage charge (and filter) billed in arrears. */
async function linesOf(db: Db, { ctx, scope }: InvoicePart, currency: string): Promise<InvoiceLine[]> {
  const owner = { subscriptionId: ctx.subscription.id, planId: ctx.plan.id };
  const keyed = (key: string) => `${ctx.subscription.id}:${key}`;
  const lines: InvoiceLine[] = [];
  if (scope.baseFee && billsBaseFee({ amountCents: ctx.plan.amount_cents })) {
    const plan = { code: ctx.plan.code, name: ctx.plan.name, invoiceDisplayName: ctx.plan.invoice_display_name, amountCents: ctx.plan.amount_cents, payInAdvance: ctx.plan.pay_in_advance };
    const line = subscriptionFeeLine(plan, scope.baseFee, currency, baseFeeTaxes(ctx));
    lines.push({ ...line, key: keyed(line.key), ...owner, billableMetricId: null });
  }
  if (scope.charges) {
    const usage = await computeChargesUsage(db, ctx, { fromMs: scope.charges.fromMs, toMs: scope.charges.toMs });
    for (const charge of usage.charges.filter((line) => !line.charge.pay_in_advance)) {
      for (const bucket of charge.buckets.filter((entry) => billsUsage({ amountCents: entry.fee.amountCents, units: entry.fullUnits, eventsCount: entry.eventsCount }))) {
        const line = chargeFeeLine(chargeLineInput(charge, bucket, scope.charges), currency, chargeTaxes(ctx, charge.charge.id));
        lines.push({ ...line, key: keyed(line.key), ...owner, billableMetricId: charge.metric.id });
      }
    }
  }
  return lines;
}

function chargeLineInput(charge: ChargeUsageLine, bucket: BucketUsage, window: { fromMs: number; toMs: number }) {
  return {
    chargeId: charge.charge.id,
    filterId: bucket.filter?.id ?? null,
    filter: bucket.filter ? { id: bucket.filter.id, values: bucket.filter.values, invoiceDisplayName: bucket.filter.invoice_display_name } : null,
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

function billingPeriod({ ctx, scope, reason }: InvoicePart): BillingPeriod {
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
