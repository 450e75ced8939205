/**
 * Issuing a subscription invoice: each subscription part of the occasion (one, or two for a plan
 * change) gets its scope from the billing core, its lines are priced (base fee, usage charges in
 * arrears), and the invoice writer issues the whole exactly once under the occasion's business key.
 *
 * Drafts (issue 11): with a grace period, a periodic invoice is issued as a draft; refreshing it
 * and finalizing it are the same computation, written again over the draft (`writeSubscriptionInvoice`).
 * Every invoice but a starting one also bills the late usage of finalized periods (late-usage.ts),
 * and records the usage windows it priced with the snapshot taken before reading their events.
 */
import type { Db } from '../../db/knex';
import type { InvoiceRow } from '../../db/invoices';
import { loadSubscriptionContext, type SubscriptionContext } from '../../db/subscription-context';
import { currentUsageSnapshot, type UsageWindowDraft } from '../../db/usage-windows';
import { addDays, localDateOf, startOfLocalDay, type LocalDate } from '../../billing/calendar';
import { chargesScopeAt, invoiceScopeAt, startingInvoiceScope, terminationScope, type InvoiceScope, type SubscriptionTerms } from '../../billing/periods';
import { applicableTaxes, billsBaseFee, billsUsage, chargeFeeLine, subscriptionFeeLine, type TaxRate } from '../../billing/fee-lines';
import { computeChargesUsage, type BucketUsage, type ChargeUsageLine } from '../usage';
import { loadInvoiceAdjustments } from './invoice-adjustments';
import { issueInvoice, type BillingPeriod, type InvoiceLine } from './invoice-writer';
import { gracePeriodDays } from './grace-period';
import { lateUsageAdjustments, type LateUsage } from './late-usage';

/** Why an invoice is issued; each occasion has one business key, so it is issued once. */
export type InvoiceOccasion =
  | { kind: 'starting'; subscriptionId: string }
  | { kind: 'periodic'; subscriptionId: string; billingDate: LocalDate }
  | { kind: 'termination'; subscriptionId: string; atMs: number }
  | { kind: 'upgrade'; fromSubscriptionId: string; toSubscriptionId: string; atMs: number }
  | { kind: 'downgrade'; fromSubscriptionId: string; toSubscriptionId: string; billingDate: LocalDate }
  /** After a termination: the late usage that reached its periods while it ended, on a final adjustment invoice. */
  | { kind: 'late_usage'; subscriptionId: string; atMs: number };

export interface IssuedInvoice {
  invoiceId: string;
  number: string;
  totalAmountCents: string;
  created: boolean;
  /** `draft` within a grace period (absent in results recorded before drafts existed). */
  status?: InvoiceRow['status'];
  /** A draft's finalization instant: the start of its `finalizes_on` day in the customer's timezone. */
  finalizeAtMs?: number | null;
}

/** How an occasion's invoice is written: issued (a draft when a grace period applies), or its draft computed again. */
export type SubscriptionInvoiceWrite =
  | { kind: 'issue' }
  | { kind: 'refresh'; draft: InvoiceRow }
  | { kind: 'finalize'; draft: InvoiceRow; atMs: number };

type InvoicingReason = 'subscription_starting' | 'subscription_periodic' | 'subscription_terminating';

/** One subscription's share of an invoice: what its scope covers. */
interface InvoicePart {
  ctx: SubscriptionContext;
  scope: InvoiceScope;
  reason: InvoicingReason;
}

/** A base fee: the plan's taxes, else the customer's. */
function baseFeeTaxes(ctx: SubscriptionContext): TaxRate[] {
  return applicableTaxes({ plan: ctx.taxes.plan, customer: ctx.taxes.customer });
}

/** A charge's fee: the charge's own taxes, else the plan's, else the customer's (Lago's precedence). */
export function chargeTaxes(ctx: SubscriptionContext, chargeId: string): TaxRate[] {
  return applicableTaxes({ charge: ctx.taxes.charges.get(chargeId), plan: ctx.taxes.plan, customer: ctx.taxes.customer });
}

async function part(db: Db, subscriptionId: string, reason: InvoicingReason, scopeOf: (terms: SubscriptionTerms) => InvoiceScope | null): Promise<InvoicePart | null> {
  const ctx = await loadSubscriptionContext(db, subscriptionId);
  const scope = scopeOf(ctx.terms);
  return scope && (scope.baseFee || scope.charges) ? { ctx, scope, reason } : null;
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
    case 'late_usage':
      break; // adjustments only
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
    case 'late_usage': return `subscription:${occasion.subscriptionId}:late_usage`;
  }
}

function issuingDateOf(occasion: InvoiceOccasion, parts: InvoicePart[], main: SubscriptionContext): LocalDate {
  const timezone = main.timezone;
  switch (occasion.kind) {
    case 'periodic':
    case 'downgrade':
      return occasion.billingDate;
    case 'starting':
      return localDateOf(parts[0]!.ctx.terms.startedAt, timezone);
    case 'termination':
    case 'upgrade':
    case 'late_usage':
      return localDateOf(occasion.atMs, timezone);
  }
}

/** Issues the invoice of an occasion once: a retry or a duplicate returns the invoice already issued. */
export async function issueSubscriptionInvoice(db: Db, occasion: InvoiceOccasion): Promise<IssuedInvoice | null> {
  return writeSubscriptionInvoice(db, occasion, { kind: 'issue' });
}

/**
 * The occasion's invoice computed and written: issued once (as a draft when it is periodic and a
 * grace period applies), or, for its draft, computed again (a refresh) or computed again and
 * finalized, through the same lines, windows and writer.
 */
export async function writeSubscriptionInvoice(db: Db, occasion: InvoiceOccasion, write: SubscriptionInvoiceWrite): Promise<IssuedInvoice | null> {
  const parts = await partsOf(db, occasion);
  const main = parts.length > 0 ? parts[parts.length - 1]!.ctx : await occasionContext(db, occasion);
  if (!main) return null;
  const currency = main.customer.currency ?? main.plan.amount_currency;
  // Taken before any event is read: every event visible in it is in this invoice's pricing.
  const snapshot = await currentUsageSnapshot(db);
  const lines: InvoiceLine[] = [];
  for (const entry of parts) lines.push(...(await linesOf(db, entry, currency)));
  const late = await lateUsageOf(db, occasion, main, currency, write);
  lines.push(...late.lines);
  if (lines.length === 0 && write.kind === 'issue') return null; // e.g. an in-advance plan without charges has nothing to close
  const { status, issuingDate, finalizesOn } = draftingOf(occasion, parts, main, write);
  const asOfMs = startOfLocalDay(issuingDate, main.timezone);
  const adjustments = status === 'finalized'
    ? await loadInvoiceAdjustments(db, { organizationId: main.organization.id, customerId: main.customer.id, currency, asOfMs })
    : undefined;
  const { invoice, created } = await issueInvoice(db, {
    organization: main.organization,
    customer: main.customer,
    idempotencyKey: idempotencyKey(occasion),
    type: 'subscription',
    reason: parts[0]?.reason ?? 'subscription_terminating',
    subscriptionId: main.subscription.id,
    currency,
    issuingDate,
    lines,
    billingPeriods: parts.length > 0 ? parts.map(billingPeriod) : [adjustmentPeriod(main)],
    adjustments: adjustments ? { ...adjustments, asOfMs } : undefined,
    status,
    finalizesOn,
    occasion,
    usage: { snapshot, windows: [...parts.flatMap(usageWindowOf), ...late.windows] },
    replacesDraft: write.kind !== 'issue',
  });
  return {
    invoiceId: invoice.id,
    number: invoice.number,
    totalAmountCents: invoice.total_amount_cents.toString(),
    created,
    status: invoice.status,
    finalizeAtMs: invoice.status === 'draft' && invoice.finalizes_on ? startOfLocalDay(invoice.finalizes_on, main.timezone) : null,
  };
}

/** The subscription of an occasion without parts (a final late-usage invoice). */
async function occasionContext(db: Db, occasion: InvoiceOccasion): Promise<SubscriptionContext | null> {
  return occasion.kind === 'late_usage' ? loadSubscriptionContext(db, occasion.subscriptionId) : null;
}

/**
 * Draft or finalized, and its dates. A periodic invoice with a grace period of N days is born a
 * draft dated its expected finalization day (billing date + N); a refresh keeps the draft's dates;
 * finalizing dates it the day it is finalized (Lago's RefreshDraftAndFinalizeService).
 */
function draftingOf(occasion: InvoiceOccasion, parts: InvoicePart[], main: SubscriptionContext, write: SubscriptionInvoiceWrite) {
  if (write.kind === 'refresh') return { status: 'draft' as const, issuingDate: write.draft.issuing_date, finalizesOn: write.draft.finalizes_on ?? null };
  if (write.kind === 'finalize') return { status: 'finalized' as const, issuingDate: localDateOf(write.atMs, main.timezone), finalizesOn: null };
  const issuingDate = issuingDateOf(occasion, parts, main);
  const grace = occasion.kind === 'periodic' ? gracePeriodDays(main.customer, main.organization) : 0;
  if (grace === 0) return { status: 'finalized' as const, issuingDate, finalizesOn: null };
  const finalizesOn = addDays(issuingDate, grace);
  return { status: 'draft' as const, issuingDate: finalizesOn, finalizesOn };
}

/** The late usage this invoice bills: every occasion but a subscription's start, for the external id it bills. */
async function lateUsageOf(db: Db, occasion: InvoiceOccasion, main: SubscriptionContext, currency: string, write: SubscriptionInvoiceWrite): Promise<LateUsage> {
  if (occasion.kind === 'starting') return { lines: [], windows: [] };
  const excludeInvoiceId = write.kind === 'issue' ? null : write.draft.id;
  return lateUsageAdjustments(db, { organization: main.organization, externalSubscriptionId: main.subscription.external_id, currency, excludeInvoiceId }, (ctx, window) =>
    linesOf(db, { ctx, reason: 'subscription_periodic', scope: { baseFee: null, charges: { period: chargesScopeAt(ctx.terms, window.fromMs).period, ...window } } }, currency)
      .then((repriced) => repriced.filter((line) => line.kind === 'charge')));
}

/** The usage window a part prices (its charges' window), if it has one. */
function usageWindowOf({ ctx, scope }: InvoicePart): UsageWindowDraft[] {
  if (!scope.charges) return [];
  return [{
    subscription_id: ctx.subscription.id,
    external_subscription_id: ctx.subscription.external_id,
    kind: 'period',
    adjusted_window_id: null,
    from_datetime: new Date(scope.charges.fromMs),
    to_datetime: new Date(scope.charges.toMs),
  }];
}

/** A final adjustment invoice's billing period: the subscription, no base fee and no charges window of its own. */
function adjustmentPeriod(ctx: SubscriptionContext): BillingPeriod {
  return {
    lago_subscription_id: ctx.subscription.id,
    external_subscription_id: ctx.subscription.external_id,
    lago_plan_id: ctx.plan.id,
    subscription_from_datetime: null,
    subscription_to_datetime: null,
    charges_from_datetime: null,
    charges_to_datetime: null,
    invoicing_reason: 'subscription_terminating',
  };
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
