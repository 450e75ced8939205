/**
 * Progressive billing (issue 15; reference/lago-api.md §4): when a subscription's lifetime usage
 * crosses one of its usage thresholds, a `progressive_billing` invoice is issued at once for the
 * usage of the current period so far, minus what the period's earlier progressive invoices billed;
 * the period's closing invoice deducts them (`progressive_billing_credit_amount_cents`,
 * subscription-invoices.ts), and `subscription.usage_threshold_reached` is recorded per threshold.
 *
 * Lifetime usage = the historical usage seeded by `PUT /subscriptions/:id/lifetime_usage` + the
 * usage its past periods invoiced (usage fees of its subscription invoices) + the current period's
 * usage so far (its usage charges billed in arrears, priced as its closing invoice will be). The
 * rules (which levels are crossed) are the billing core's (billing/progressive-billing.ts).
 *
 * Detection: the API signals every event of a subscription with thresholds to its workflow, which
 * runs `billCrossedThresholds` (activities/usage.ts): no periodic scan. Exactly once per crossing:
 * the levels crossed are recorded in `applied_usage_thresholds` (UNIQUE per subscription, threshold
 * and level) in the invoice writer's transaction, with the invoice and its webhooks; the invoice's
 * business key is its lowest level. A worker killed mid-invoice leaves all of it or none: a retry
 * finds the levels recorded (nothing to do) or records them itself.
 */
import type { Db, Tx } from '../../db/knex';
import { loadSubscriptionContext, type SubscriptionContext } from '../../db/subscription-context';
import {
  appliedLevels, applicableThresholds, findLifetimeUsage, insertAppliedLevels, invoicedUsageCents, progressiveBilledByLine, type UsageThresholdRow,
} from '../../db/usage-thresholds';
import { chargesScopeAt, type ChargesScope } from '../../billing/periods';
import { localDateOf } from '../../billing/calendar';
import { Dec, type Cents } from '../../billing/money';
import { crossedLevels, progressiveInvoiceAmounts, type CrossedLevel, type UsageThreshold } from '../../billing/progressive-billing';
import { serializeSubscription } from '../../serializers/subscription';
import { serializeApplicableUsageThreshold, serializeUsageThreshold } from '../../serializers/usage-threshold';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { customerWebhookObject } from '../customers';
import { linesOf } from './subscription-invoices';
import { issueInvoice, type BillingPeriod, type InvoiceLine } from './invoice-writer';
import { loadInvoiceAdjustments } from './invoice-adjustments';

export const toThresholdRule = (row: UsageThresholdRow): UsageThreshold => ({ id: row.id, amountCents: row.amount_cents, recurring: row.recurring });

/** The current period's usage at `atMs`, as its closing invoice would price it now. */
export interface PeriodUsage {
  scope: ChargesScope;
  currency: string;
  /** Its usage lines (charges billed in arrears), keyed as the closing invoice keys its fees. */
  lines: InvoiceLine[];
  amountCents: Cents;
}

export async function periodUsage(db: Db, ctx: SubscriptionContext, atMs: number): Promise<PeriodUsage> {
  const scope = chargesScopeAt(ctx.terms, atMs);
  const currency = ctx.customer.currency ?? ctx.plan.amount_currency;
  const lines = (await linesOf(db, { ctx, scope: { baseFee: null, charges: scope } }, currency)).filter((line) => line.kind === 'charge');
  return { scope, currency, lines, amountCents: lines.reduce((total, line) => total + line.amountCents, 0n) };
}

/** The figures of a subscription's lifetime usage at `atMs` (Lago's LifetimeUsage). */
export interface LifetimeFigures {
  usage: PeriodUsage;
  historicalCents: Cents;
  invoicedCents: Cents;
  totalCents: Cents;
}

export async function lifetimeFigures(db: Db, ctx: SubscriptionContext, atMs: number): Promise<LifetimeFigures> {
  const [usage, seeded, invoicedCents] = await Promise.all([
    periodUsage(db, ctx, atMs),
    findLifetimeUsage(db, ctx.subscription.id),
    invoicedUsageCents(db, ctx.subscription.id),
  ]);
  const historicalCents = seeded?.historical_usage_amount_cents ?? 0n;
  return { usage, historicalCents, invoicedCents, totalCents: historicalCents + invoicedCents + usage.amountCents };
}

export interface ProgressiveBilling {
  /** The progressive invoice issued (or found), null when no threshold was crossed or nothing was left to bill. */
  invoiceId: string | null;
  /** The threshold levels this call recorded as crossed. */
  crossed: CrossedLevel[];
}

/**
 * Bills the thresholds the subscription's lifetime usage has crossed at `atMs` and not billed yet:
 * one progressive invoice for them all, their crossings recorded and announced in its transaction.
 * Safe to call again (a retry, another event): a crossing already recorded is never billed again.
 */
export async function billCrossedThresholds(db: Db, input: { subscriptionId: string; atMs: number }): Promise<ProgressiveBilling> {
  const none: ProgressiveBilling = { invoiceId: null, crossed: [] };
  const ctx = await loadSubscriptionContext(db, input.subscriptionId);
  if (ctx.subscription.status !== 'active' || ctx.subscription.progressive_billing_disabled) return none;
  const thresholds = await applicableThresholds(db, ctx.subscription);
  if (thresholds.length === 0) return none;
  const figures = await lifetimeFigures(db, ctx, input.atMs);
  const applied = await appliedLevels(db, ctx.subscription.id);
  const crossed = crossedLevels({
    thresholds: thresholds.map(toThresholdRule),
    floorCents: figures.historicalCents + figures.invoicedCents,
    totalCents: figures.totalCents,
    applied: applied.map((row) => ({ thresholdId: row.usage_threshold_id, levelAmountCents: row.level_amount_cents })),
  });
  if (crossed.length === 0) return none;

  const { scope, currency } = figures.usage;
  const billedBefore = await progressiveBilledByLine(db, ctx.subscription.id, scope.fromMs);
  const amounts = new Map(progressiveInvoiceAmounts(figures.usage.lines.map((line) => ({ key: line.key, amountCents: line.amountCents })), billedBefore)
    .map((line) => [line.key, line.amountCents]));
  const lines: InvoiceLine[] = figures.usage.lines
    .filter((line) => amounts.has(line.key))
    .map((line) => ({ ...line, amountCents: amounts.get(line.key)!, preciseAmountCents: new Dec(amounts.get(line.key)!.toString()) }));
  const record = async (trx: Tx, invoiceId: string | null) => {
    await insertAppliedLevels(trx, crossed.map((level) => ({
      organization_id: ctx.organization.id,
      subscription_id: ctx.subscription.id,
      usage_threshold_id: level.thresholdId,
      level_amount_cents: level.levelAmountCents,
      invoice_id: invoiceId,
      charges_from_datetime: new Date(scope.fromMs),
      lifetime_usage_amount_cents: figures.totalCents,
      // When it was reached: the instant of the check (the workflow's clock), not the database's.
      created_at: new Date(input.atMs),
    })));
    for (const level of crossed) await recordThresholdReached(trx, ctx, thresholds, level);
  };
  // Usage that fell since the last progressive invoice leaves nothing more to bill: the crossing is recorded and announced.
  if (lines.length === 0) {
    await db.transaction((trx) => record(trx, null));
    return { invoiceId: null, crossed };
  }

  const adjustments = await loadInvoiceAdjustments(db, { organizationId: ctx.organization.id, customerId: ctx.customer.id, currency, asOfMs: input.atMs });
  const first = crossed[0]!;
  return db.transaction(async (trx) => {
    const written = await issueInvoice(trx, {
      organization: ctx.organization,
      customer: ctx.customer,
      idempotencyKey: `subscription:${ctx.subscription.id}:progressive:${first.thresholdId}:${first.levelAmountCents}`,
      type: 'progressive_billing',
      reason: 'progressive_billing',
      subscriptionId: ctx.subscription.id,
      currency,
      issuingDate: localDateOf(input.atMs, ctx.timezone),
      lines,
      billingPeriods: [progressivePeriod(ctx, scope, input.atMs)],
      adjustments: { ...adjustments, asOfMs: input.atMs },
    });
    if (written.created) await record(trx, written.invoice.id);
    return { invoiceId: written.invoice.id, crossed: written.created ? crossed : [] };
  });
}

/** A progressive invoice's billing period: the charges period from its start to the crossing. */
function progressivePeriod(ctx: SubscriptionContext, scope: ChargesScope, atMs: number): BillingPeriod {
  return {
    lago_subscription_id: ctx.subscription.id,
    external_subscription_id: ctx.subscription.external_id,
    lago_plan_id: ctx.plan.id,
    subscription_from_datetime: null,
    subscription_to_datetime: null,
    charges_from_datetime: new Date(scope.fromMs).toISOString(),
    charges_to_datetime: new Date(Math.min(atMs, scope.toMs)).toISOString(),
    invoicing_reason: 'progressive_billing',
  };
}

/** `subscription.usage_threshold_reached` (Lago's SubscriptionWithThresholdObject), once per crossing. */
async function recordThresholdReached(trx: Tx, ctx: SubscriptionContext, thresholds: readonly UsageThresholdRow[], level: CrossedLevel): Promise<void> {
  const threshold = thresholds.find((row) => row.id === level.thresholdId)!;
  await recordWebhookEvent(trx, {
    organizationId: ctx.organization.id,
    webhookType: 'subscription.usage_threshold_reached',
    objectType: 'subscription',
    object: {
      ...serializeSubscription(ctx.subscription, { plan: ctx.plan, customer: ctx.customer }),
      customer: await customerWebhookObject(trx, ctx.organization.id, ctx.customer),
      usage_threshold: serializeUsageThreshold(threshold),
      applicable_usage_thresholds: thresholds.map(serializeApplicableUsageThreshold),
    },
    idempotencyKey: `subscription.usage_threshold_reached:${ctx.subscription.id}:${level.thresholdId}:${level.levelAmountCents}`,
  });
}
