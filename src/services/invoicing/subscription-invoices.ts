/**
 * Issuing a subscription invoice: each subscription part of the occasion (one, or two for a plan
 * change) gets its scope from the billing core, its lines are priced (base fee, usage charges in
 * arrears), and the invoice writer issues the whole exactly once under the occasion's business key,
 * recording each part (`invoice_subscriptions`) in its transaction. A customer's periodic closes of
 * one day share one invoice: consolidated-invoices.ts, which builds its parts with `periodicPart`
 * and issues them with `issuePartsInvoice`.
 *
 * Drafts (issue 11): with a grace period, a periodic invoice (a subscription's own, or its
 * customer's consolidated one of the day) is issued as a draft; refreshing it and finalizing it are
 * the same computation, written again over the draft (`writeSubscriptionInvoice`). A consolidated
 * draft is computed again from the parts recorded with it, so a refresh or the finalization bills
 * exactly the subscriptions it was born with. Every invoice but a starting one also bills the late
 * usage of finalized periods of the subscriptions it bills (late-usage.ts), and records the usage
 * windows it priced with the snapshot taken before reading their events.
 */
import { inTransaction, type Db } from '../../db/knex';
import type { InvoiceRow } from '../../db/invoices';
import { loadSubscriptionContext, type SubscriptionContext } from '../../db/subscription-context';
import { closeOccasion, insertInvoiceParts, partsOfInvoice, type PartOccasion } from '../../db/invoice-subscriptions';
import { currentUsageSnapshot, type UsageWindowDraft } from '../../db/usage-windows';
import { openReadMemo } from '../../db/read-memo';
import { addDays, localDateOf, startOfLocalDay, type LocalDate } from '../../billing/calendar';
import { chargesScopeAt, invoiceScopeAt, startingInvoiceScope, terminationScope, type ChargesScope, type InvoiceScope, type SubscriptionTerms } from '../../billing/periods';
import { applicableTaxes, billsBaseFee, billsUsage, chargeFeeLine, subscriptionFeeLine, type ChargeLineInput, type TaxRate } from '../../billing/fee-lines';
import { closedCommitmentPeriod, commitmentFeeLine, commitmentTaxes, commitmentTrueUp } from '../../billing/commitments';
import { spendingMinimumTrueUp, trueUpFeeLine, windowDays } from '../../billing/spending-minimums';
import { Dec } from '../../billing/money';
import { feesWithinPeriod } from '../../db/commitments';
import { computeChargesUsage, type BucketUsage, type ChargeUsageLine } from '../usage';
import type { GroupValues } from '../../billing/aggregation';
import { loadInvoiceAdjustments } from './invoice-adjustments';
import { issueInvoice, type BillingPeriod, type InvoiceLine } from './invoice-writer';
import { gracePeriodDays } from './grace-period';
import { lateUsageAdjustments, type LateUsage } from './late-usage';
import { fixedChargesScopeAt, startingFixedChargesScope, terminationFixedChargesScope, type FixedChargesScope } from '../../billing/fixed-charges';
import { billsFixedCharges, fixedChargeLines } from './fixed-charge-lines';
import { progressiveBilledByLine } from '../../db/usage-thresholds';
import { progressiveCredits } from '../../billing/progressive-billing';

/** Why an invoice is issued; each occasion has one business key, so it is issued once. */
export type InvoiceOccasion =
  | { kind: 'starting'; subscriptionId: string }
  | { kind: 'periodic'; subscriptionId: string; billingDate: LocalDate }
  | { kind: 'termination'; subscriptionId: string; atMs: number }
  | { kind: 'upgrade'; fromSubscriptionId: string; toSubscriptionId: string; atMs: number }
  | { kind: 'downgrade'; fromSubscriptionId: string; toSubscriptionId: string; billingDate: LocalDate }
  /** After a termination: the late usage that reached its periods while it ended, on a final adjustment invoice. */
  | { kind: 'late_usage'; subscriptionId: string; atMs: number }
  /**
   * A customer's periodic closes of one day on one invoice (consolidated-invoices.ts). Issued by the
   * first close of the day with the parts due then; computed again (a draft's refresh or
   * finalization) from the parts recorded with it.
   */
  | { kind: 'consolidated'; customerId: string; billingDate: LocalDate };

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
  | { kind: 'issue'; keyCheckedUnderLock?: boolean }
  | { kind: 'refresh'; draft: InvoiceRow }
  | { kind: 'finalize'; draft: InvoiceRow; atMs: number };

type InvoicingReason = 'subscription_starting' | 'subscription_periodic' | 'subscription_terminating';

/** One subscription's share of an invoice: what its scope covers, and which occasion of its life it bills. */
export interface InvoicePart {
  ctx: SubscriptionContext;
  scope: InvoiceScope;
  reason: InvoicingReason;
  occasion: PartOccasion;
  /** The fixed charges it bills (arrears and advance windows), when the plan has some due then. */
  fixed?: FixedChargesScope | null;
}

/** A base fee: the plan's taxes, else the customer's. */
function baseFeeTaxes(ctx: SubscriptionContext): TaxRate[] {
  return applicableTaxes({ plan: ctx.taxes.plan, customer: ctx.taxes.customer });
}

/** A charge's fee: the charge's own taxes, else the plan's, else the customer's (Lago's precedence). */
export function chargeTaxes(ctx: SubscriptionContext, chargeId: string): TaxRate[] {
  return applicableTaxes({ charge: ctx.taxes.charges.get(chargeId), plan: ctx.taxes.plan, customer: ctx.taxes.customer });
}

type FixedScopeOf = (terms: SubscriptionTerms) => FixedChargesScope;

async function part(
  db: Db, subscriptionId: string, reason: InvoicingReason, occasion: PartOccasion, scopeOf: (terms: SubscriptionTerms) => InvoiceScope | null, fixedOf: FixedScopeOf,
): Promise<InvoicePart | null> {
  return partOf(await loadSubscriptionContext(db, subscriptionId), reason, occasion, scopeOf, fixedOf);
}

/** A part when it bills a base fee, charges, or fixed charges due then (a plan without fixed charges: as before them). */
function partOf(ctx: SubscriptionContext, reason: InvoicingReason, occasion: PartOccasion, scopeOf: (terms: SubscriptionTerms) => InvoiceScope | null, fixedOf: FixedScopeOf): InvoicePart | null {
  const scope = scopeOf(ctx.terms);
  const fixed = ctx.fixedCharges.length > 0 ? fixedOf(ctx.terms) : null;
  const billsFixed = billsFixedCharges(ctx, fixed);
  if (!(scope && (scope.baseFee || scope.charges)) && !billsFixed) return null;
  return { ctx, scope: scope ?? { baseFee: null, charges: null }, reason, occasion, ...(billsFixed ? { fixed } : {}) };
}

/** The periodic part of a subscription (its context loaded) at `billingDate`, or null when it bills nothing then. */
export function periodicPart(ctx: SubscriptionContext, billingDate: LocalDate): InvoicePart | null {
  return partOf(ctx, 'subscription_periodic', closeOccasion(billingDate), (terms) => invoiceScopeAt(terms, billingDate), (terms) => fixedChargesScopeAt(terms, billingDate));
}

async function partsOf(db: Db, occasion: InvoiceOccasion, write: SubscriptionInvoiceWrite): Promise<InvoicePart[]> {
  const parts: (InvoicePart | null)[] = [];
  switch (occasion.kind) {
    case 'consolidated':
      if (write.kind === 'issue') throw new Error('A consolidated invoice is issued by the close of its day (closeBillingDate)');
      parts.push(...(await recordedParts(db, write.draft, occasion.billingDate)));
      break;
    case 'starting':
      parts.push(await part(db, occasion.subscriptionId, 'subscription_starting', 'start', startingInvoiceScope, startingFixedChargesScope));
      break;
    case 'periodic':
      parts.push(periodicPart(await loadSubscriptionContext(db, occasion.subscriptionId), occasion.billingDate));
      break;
    case 'termination':
      parts.push(await part(db, occasion.subscriptionId, 'subscription_terminating', 'termination', (terms) => terminationScope(terms, occasion.atMs, 'termination'),
        (terms) => terminationFixedChargesScope(terms, occasion.atMs, 'termination')));
      break;
    case 'upgrade':
      parts.push(await part(db, occasion.fromSubscriptionId, 'subscription_terminating', 'termination', (terms) => terminationScope(terms, occasion.atMs, 'upgrade'),
        (terms) => terminationFixedChargesScope(terms, occasion.atMs, 'upgrade')));
      parts.push(await part(db, occasion.toSubscriptionId, 'subscription_starting', 'start', startingInvoiceScope, startingFixedChargesScope));
      break;
    case 'downgrade': {
      // The old plan's last period closes at the billing date, as a periodic close would.
      const closedAt = (terms: SubscriptionTerms) => startOfLocalDay(occasion.billingDate, terms.schedule.timezone) - 1;
      parts.push(await part(db, occasion.fromSubscriptionId, 'subscription_terminating', closeOccasion(occasion.billingDate), (terms) =>
        terminationScope(terms, closedAt(terms), 'termination'), (terms) => terminationFixedChargesScope(terms, closedAt(terms), 'termination')));
      parts.push(await part(db, occasion.toSubscriptionId, 'subscription_starting', 'start', startingInvoiceScope, startingFixedChargesScope));
      break;
    }
    case 'late_usage':
      break; // adjustments only
  }
  return parts.filter((entry): entry is InvoicePart => entry !== null);
}

/**
 * A consolidated draft's parts, as recorded with it when it was issued, in the order of its billing
 * periods: each subscription's periodic part of the day, computed again.
 */
async function recordedParts(db: Db, draft: InvoiceRow, billingDate: LocalDate): Promise<(InvoicePart | null)[]> {
  const order = (draft.billing_periods as { lago_subscription_id?: string }[]).map((period) => period.lago_subscription_id);
  const recorded = (await partsOfInvoice(db, draft.id)).filter((row) => row.occasion === closeOccasion(billingDate));
  recorded.sort((a, b) => order.indexOf(a.subscription_id) - order.indexOf(b.subscription_id));
  const parts: (InvoicePart | null)[] = [];
  for (const row of recorded) parts.push(periodicPart(await loadSubscriptionContext(db, row.subscription_id), billingDate));
  return parts;
}

/** The business key of an occasion's invoice. */
export function occasionKey(occasion: InvoiceOccasion): string {
  switch (occasion.kind) {
    case 'consolidated': return `customer:${occasion.customerId}:periodic:${occasion.billingDate}`;
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
    case 'consolidated':
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
  const parts = await partsOf(db, occasion, write);
  const main = parts.length > 0 ? parts[parts.length - 1]!.ctx : await occasionContext(db, occasion);
  if (!main) return null;
  const subscriptions = new Set(parts.map((entry) => entry.ctx.subscription.id));
  const subscriptionId = occasion.kind !== 'consolidated' ? main.subscription.id : subscriptions.size === 1 ? [...subscriptions][0]! : null;
  return writePartsInvoice(db, { occasion, parts, main, subscriptionId }, write);
}

/**
 * Issues the consolidated invoice of these parts (a customer's closes of one day) once, with its
 * parts recorded in the writer's transaction (a part already recorded for another invoice fails
 * it: never billed twice); a draft when the customer has a grace period. Null when the parts bill
 * nothing (e.g. an in-advance plan without charges has nothing to close). Called by the day's close
 * only, in `db`'s transaction, holding the customer's billing lock (which every writer of the
 * day's invoice takes) and having found no invoice with the occasion's key: the writer does not
 * look again (NewInvoice.keyCheckedUnderLock).
 */
export async function issuePartsInvoice(
  db: Db,
  input: { occasion: Extract<InvoiceOccasion, { kind: 'consolidated' }>; parts: InvoicePart[]; subscriptionId: string | null },
): Promise<IssuedInvoice | null> {
  if (input.parts.length === 0) return null;
  return writePartsInvoice(db, { ...input, main: input.parts[input.parts.length - 1]!.ctx }, { kind: 'issue', keyCheckedUnderLock: true });
}

/**
 * The one computation of a subscription invoice: its parts' lines and the late usage of the
 * subscriptions it bills, written by the invoice writer as issued (a draft within a grace period),
 * refreshed or finalized; a new invoice's parts are recorded in the writer's transaction.
 */
async function writePartsInvoice(
  db: Db,
  input: { occasion: InvoiceOccasion; parts: InvoicePart[]; main: SubscriptionContext; subscriptionId: string | null },
  write: SubscriptionInvoiceWrite,
): Promise<IssuedInvoice | null> {
  const { occasion, parts, main } = input;
  const currency = main.customer.currency ?? main.plan.amount_currency;
  // Taken before any event is read: every event visible in it is in this invoice's pricing.
  const snapshot = await currentUsageSnapshot(db);
  const lines: InvoiceLine[] = [];
  for (const entry of parts) {
    lines.push(...(await withProgressiveCredits(db, entry, await linesOf(db, entry, currency))));
    if (entry.fixed) lines.push(...(await fixedChargeLines(db, entry.ctx, entry.fixed, currency)));
  }
  const late = await lateUsageOf(db, occasion, parts, main, currency, write);
  lines.push(...late.lines);
  // Last: a commitment counts every other fee of its period, this invoice's included.
  for (const entry of parts) lines.push(...(await commitmentLinesOf(db, entry, lines, currency, write.kind === 'issue' ? null : write.draft.id)));
  if (lines.length === 0 && write.kind === 'issue') return null; // e.g. an in-advance plan without charges has nothing to close
  const { status, issuingDate, finalizesOn } = draftingOf(occasion, parts, main, write);
  const asOfMs = startOfLocalDay(issuingDate, main.timezone);
  const adjustments = status === 'finalized'
    ? await loadInvoiceAdjustments(db, { organizationId: main.organization.id, customerId: main.customer.id, currency, asOfMs })
    : undefined;
  const { invoice, created } = await inTransaction(db, async (trx) => {
    // The writer's transaction writes no subscription, plan, customer or organization: the webhook
    // object reads each once (a no-op inside a close that opened one already).
    openReadMemo(trx);
    const written = await issueInvoice(trx, {
      organization: main.organization,
      customer: main.customer,
      idempotencyKey: occasionKey(occasion),
      type: 'subscription',
      reason: parts[0]?.reason ?? 'subscription_terminating',
      subscriptionId: input.subscriptionId,
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
      keyCheckedUnderLock: write.kind === 'issue' && write.keyCheckedUnderLock === true,
    });
    if (written.created) {
      await insertInvoiceParts(trx, main.organization.id, written.invoice.id, parts.map((entry) => ({
        subscription_id: entry.ctx.subscription.id, occasion: entry.occasion, invoicing_reason: entry.reason,
      })));
    }
    return written;
  });
  return issuedInvoice(invoice, created, main.timezone);
}

/** What a write answers (and the workflow keeps of a draft): `finalizeAtMs` is its `finalizes_on` day's start in `timezone`. */
export function issuedInvoice(invoice: InvoiceRow, created: boolean, timezone: string): IssuedInvoice {
  return {
    invoiceId: invoice.id,
    number: invoice.number,
    totalAmountCents: invoice.total_amount_cents.toString(),
    created,
    status: invoice.status,
    finalizeAtMs: invoice.status === 'draft' && invoice.finalizes_on ? startOfLocalDay(invoice.finalizes_on, timezone) : null,
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
  const grace = occasion.kind === 'periodic' || occasion.kind === 'consolidated' ? gracePeriodDays(main.customer, main.organization) : 0;
  if (grace === 0) return { status: 'finalized' as const, issuingDate, finalizesOn: null };
  const finalizesOn = addDays(issuingDate, grace);
  return { status: 'draft' as const, issuingDate: finalizesOn, finalizesOn };
}

/**
 * The late usage this invoice bills: every occasion but a subscription's start, for each external
 * id it bills (one, or each subscription of a consolidated invoice, in the order of its parts).
 */
async function lateUsageOf(
  db: Db, occasion: InvoiceOccasion, parts: InvoicePart[], main: SubscriptionContext, currency: string, write: SubscriptionInvoiceWrite,
): Promise<LateUsage> {
  const late: LateUsage = { lines: [], windows: [] };
  if (occasion.kind === 'starting') return late;
  const excludeInvoiceId = write.kind === 'issue' ? null : write.draft.id;
  const externalIds = occasion.kind === 'consolidated'
    ? [...new Set(parts.map((entry) => entry.ctx.subscription.external_id))]
    : [main.subscription.external_id];
  for (const externalSubscriptionId of externalIds) {
    const found = await lateUsageAdjustments(db, { organization: main.organization, externalSubscriptionId, currency, excludeInvoiceId }, (ctx, window) =>
      linesOf(db, { ctx, scope: { baseFee: null, charges: { period: chargesScopeAt(ctx.terms, window.fromMs).period, ...window } } }, currency)
        // With their spending-minimum true-ups: late usage the minimum already paid for is not billed again (late-usage.ts).
        .then((repriced) => repriced.filter((line) => line.kind === 'charge')));
    late.lines.push(...found.lines);
    late.windows.push(...found.windows);
  }
  return late;
}

/**
 * Progressive billing (issue 15): each usage fee of the part's charges period is reduced by what
 * the period's progressive invoices billed for the same line (at most the fee), so the closing
 * invoice deducts them as `progressive_billing_credit_amount_cents`.
 */
async function withProgressiveCredits(db: Db, { ctx, scope }: Pick<InvoicePart, 'ctx' | 'scope'>, lines: InvoiceLine[]): Promise<InvoiceLine[]> {
  // Only usage fees take credits: a part without any (a plan without charges) has nothing to read.
  if (!scope.charges || !lines.some((line) => line.kind === 'charge')) return lines;
  const billed = await progressiveBilledByLine(db, ctx.subscription.id, scope.charges.fromMs);
  if (billed.size === 0) return lines;
  const credits = progressiveCredits(lines.filter((line) => line.kind === 'charge').map((line) => ({ key: line.key, amountCents: line.amountCents })), billed);
  return lines.map((line) => (credits.has(line.key) ? { ...line, progressiveCreditCents: credits.get(line.key)! } : line));
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
export async function linesOf(db: Db, { ctx, scope }: Pick<InvoicePart, 'ctx' | 'scope'>, currency: string): Promise<InvoiceLine[]> {
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
      // One fee per bucket, or per group of a grouped bucket (its figures replace the bucket's).
      const priced = charge.buckets.flatMap((bucket) => bucket.groups?.map((group) => ({ ...bucket, ...group })) ?? [bucket]);
      const billed: InvoiceLine[] = [];
      for (const bucket of priced.filter((entry) => billsUsage({ amountCents: entry.fee.amountCents, units: entry.fullUnits, eventsCount: entry.eventsCount }))) {
        const line = chargeFeeLine(chargeLineInput(charge, bucket, scope.charges), currency, chargeTaxes(ctx, charge.charge.id));
        billed.push({ ...line, key: keyed(line.key), ...owner, billableMetricId: charge.metric.id });
      }
      lines.push(...billed, ...spendingMinimumLines(ctx, charge, priced, billed, scope.charges, currency));
    }
  }
  return lines;
}

/**
 * A charge's spending-minimum true-up for the window (spending-minimums.ts), after its fees: the
 * true-up line, and its parent (the charge's default-bucket fee, its first group's for a grouped
 * charge) when that fee was left off for billing nothing, as Lago keeps it. A charge without a
 * default bucket (filters only) tops up a fee of no usage of its own, Lago's unmatched-events fee.
 */
function spendingMinimumLines(
  ctx: SubscriptionContext, charge: ChargeUsageLine, priced: (BucketUsage & { groupedBy?: GroupValues })[], billed: InvoiceLine[],
  window: ChargesScope, currency: string,
): InvoiceLine[] {
  const minimum = charge.charge.min_amount_cents;
  if (charge.charge.pay_in_advance || minimum <= 0n) return [];
  const days = windowDays(window, ctx.timezone);
  const trueUp = spendingMinimumTrueUp(minimum, days, priced.map((entry) => entry.fee));
  if (!trueUp) return [];
  const owner = { subscriptionId: ctx.subscription.id, planId: ctx.plan.id, billableMetricId: charge.metric.id };
  const keyed = (key: string) => `${ctx.subscription.id}:${key}`;
  const taxes = chargeTaxes(ctx, charge.charge.id);
  const fallback = priced.find((entry) => entry.filter === null);
  const parent = chargeFeeLine(fallback ? chargeLineInput(charge, fallback, window) : unusedDefaultBucket(charge, window), currency, taxes);
  const parentKey = keyed(parent.key);
  const added: InvoiceLine[] = billed.some((line) => line.key === parentKey) ? [] : [{ ...parent, key: parentKey, ...owner }];
  const trueUpLine = trueUpFeeLine(parent, trueUp, minimum, days, currency);
  return [...added, { ...trueUpLine, key: keyed(trueUpLine.key), trueUpOf: parentKey, ...owner }];
}

/** The default bucket's fee of a charge that priced none (filters only): no units, no events, nothing billed. */
function unusedDefaultBucket(charge: ChargeUsageLine, window: { fromMs: number; toMs: number }): ChargeLineInput {
  const zero = new Dec(0);
  return {
    chargeId: charge.charge.id, filterId: null, filter: null, groupedBy: null, presentationBreakdowns: [],
    code: charge.metric.code, name: charge.metric.name, invoiceDisplayName: charge.charge.invoice_display_name,
    units: zero, pricedUnits: zero, eventsCount: 0, amountCents: 0n, preciseAmountCents: zero, unitAmount: zero,
    details: {}, seats: null, fromMs: window.fromMs, toMs: window.toMs,
  };
}

/**
 * The minimum-commitment true-up of a part that closes a plan period (commitments.ts): the
 * prorated commitment minus the subscription's fees of that period, those of this invoice
 * (`invoiceLines`) and those written before (`exceptInvoiceId`: a draft computed again, whose own
 * fees are being replaced). None without a commitment, when the part closes no period, or when
 * the fees reach it.
 */
async function commitmentLinesOf(
  db: Db, { ctx, scope, reason }: InvoicePart, invoiceLines: readonly InvoiceLine[], currency: string, exceptInvoiceId: string | null,
): Promise<InvoiceLine[]> {
  const commitment = ctx.minimumCommitment;
  if (!commitment) return [];
  const terminatedAtMs = reason === 'subscription_terminating' && scope.charges ? scope.charges.toMs : null;
  const closed = closedCommitmentPeriod(ctx.terms, scope, terminatedAtMs);
  if (!closed) return [];
  const { fromMs, toMs } = closed.period;
  const counted = invoiceLines
    .filter((line) => line.subscriptionId === ctx.subscription.id && COUNTED_KINDS.has(line.kind))
    .filter((line) => line.fromMs !== null && line.toMs !== null && line.fromMs >= fromMs && line.toMs <= toMs)
    .map((line) => ({ amountCents: line.amountCents, preciseAmountCents: line.preciseAmountCents }));
  const written = (await feesWithinPeriod(db, ctx.subscription.id, closed.period, exceptInvoiceId))
    .map((fee) => ({ amountCents: BigInt(fee.amount_cents), preciseAmountCents: new Dec(fee.precise_amount_cents) }));
  const trueUp = commitmentTrueUp(commitment.amount_cents, closed, [...counted, ...written]);
  if (!trueUp) return [];
  const taxes = commitmentTaxes({ commitment: ctx.taxes.commitment, plan: ctx.taxes.plan, customer: ctx.taxes.customer });
  const line = commitmentFeeLine(
    { code: ctx.plan.code, name: ctx.plan.name },
    { amountCents: commitment.amount_cents, invoiceDisplayName: commitment.invoice_display_name },
    closed, trueUp, currency, taxes,
  );
  return [{ ...line, key: `${ctx.subscription.id}:${line.key}`, subscriptionId: ctx.subscription.id, planId: ctx.plan.id, billableMetricId: null }];
}

/** The fees a commitment counts (Lago: subscription, charge, in-advance charge and fixed-charge fees). */
const COUNTED_KINDS: ReadonlySet<string> = new Set(['subscription', 'charge', 'fixed_charge']);

function chargeLineInput(charge: ChargeUsageLine, bucket: BucketUsage & { groupedBy?: GroupValues }, window: { fromMs: number; toMs: number }): ChargeLineInput {
  return {
    chargeId: charge.charge.id,
    groupedBy: bucket.groupedBy ?? null,
    presentationBreakdowns: bucket.presentationBreakdowns,
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
