/**
 * The subscription as the API shows it: its plan, customer, current period and plan changes. It
 * lives with invoicing, below the subscriptions domain, because an invoice shows the subscriptions it
 * bills (`invoice.subscriptions`); the subscriptions domain re-exports it.
 */
import type { Conn, Tx } from '../../db/knex';
import { findSubscriptionById, planChangeCodes, planChangeCodesOf, type SubscriptionRow } from '../../db/subscriptions';
import type { InvoiceRow } from '../../db/invoices';
import { contextOf } from '../../db/subscription-context';
import { hasReadMemo, memoized, recall, remember } from '../../db/read-memo';
import { localDateOf, maxLocalDate, type LocalDate } from '../../billing/calendar';
import { nextBillingDate, periodContaining } from '../../billing/periods';
import { serializeSubscription, type SubscriptionJson } from '../../serializers/subscription';

/** "Now", for the current period: an instant (the caller's clock), or a day in the subscription's timezone. */
export type AsOf = { nowMs: number } | { date: LocalDate };

export async function presentSubscription(db: Conn, subscription: SubscriptionRow, nowMs: number): Promise<SubscriptionJson> {
  return presentSubscriptionAsOf(db, subscription, { nowMs });
}

/** `known`: its plan-change codes, when the caller read them already (several subscriptions at once). */
export async function presentSubscriptionAsOf(
  db: Conn, subscription: SubscriptionRow, asOf: AsOf, known?: { previousPlanCode: string | null; pendingPlanCode: string | null },
): Promise<SubscriptionJson> {
  const [ctx, codes] = await Promise.all([contextOf(db, subscription), known ?? planChangeCodes(db, subscription)]);
  const active = subscription.status === 'active';
  const today = 'nowMs' in asOf
    ? localDateOf(Math.max(asOf.nowMs, ctx.terms.startedAt), ctx.timezone)
    : maxLocalDate(asOf.date, localDateOf(ctx.terms.startedAt, ctx.timezone));
  const downgrading = active && codes.pendingPlanCode !== null;
  return serializeSubscription(subscription, {
    plan: ctx.plan,
    customer: ctx.customer,
    currentPeriod: active ? periodContaining(ctx.terms.schedule, today) : null,
    previousPlanCode: codes.previousPlanCode,
    nextPlanCode: downgrading ? codes.pendingPlanCode : null,
    downgradePlanDate: downgrading ? nextBillingDate(ctx.terms, today) : null,
  });
}

type PlanChangeCodes = Awaited<ReturnType<typeof planChangeCodesOf>>;
const planChangeCodesKey = (subscriptionId: string) => `plan-change-codes:${subscriptionId}`;

/** The subscriptions an invoice names itself: those of its billing periods, then the one it is for. */
export function subscriptionIdsOf(invoice: Pick<InvoiceRow, 'billing_periods' | 'subscription_id'>): string[] {
  return [
    ...((invoice.billing_periods ?? []) as { lago_subscription_id?: string }[]).map((period) => period.lago_subscription_id),
    invoice.subscription_id,
  ].filter((id): id is string => typeof id === 'string');
}

/** The plan changes of many subscriptions in one read, left in the transaction's read memo for their presentation. */
export async function rememberPlanChangeCodes(trx: Tx, subscriptions: readonly SubscriptionRow[]): Promise<void> {
  if (subscriptions.length === 0 || !hasReadMemo(trx)) return;
  for (const [id, codes] of await planChangeCodesOf(trx, subscriptions)) remember(trx, planChangeCodesKey(id), codes);
}

async function recalledPlanChangeCodes(db: Conn, subscriptions: readonly SubscriptionRow[]): Promise<PlanChangeCodes | undefined> {
  const known = subscriptions.map((row) => recall<{ previousPlanCode: string | null; pendingPlanCode: string | null }>(db, planChangeCodesKey(row.id)));
  if (known.some((entry) => entry === undefined)) return undefined;
  const values = await Promise.all(known);
  return new Map(subscriptions.map((row, index) => [row.id, values[index]!]));
}

/**
 * The subscriptions an invoice bills (Lago's `invoice.subscriptions`): those of its billing periods,
 * the one it is for, and those its fees bill, in that order, each once; none for a one-off or credit
 * invoice. Their current period is as of `asOf` (the caller's now), else as of the invoice's issuing
 * date (a webhook recorded without a clock: the same payload on every retry).
 */
export async function presentInvoiceSubscriptions(
  db: Conn, invoice: InvoiceRow, fees: readonly { subscription_id: string | null }[], asOf: AsOf | undefined,
): Promise<SubscriptionJson[]> {
  const ids = [...subscriptionIdsOf(invoice), ...fees.flatMap((fee) => (fee.subscription_id ? [fee.subscription_id] : []))];
  const subscriptions: SubscriptionRow[] = [];
  for (const id of [...new Set(ids)]) {
    const subscription = await memoized(db, `subscription:${id}`, () => findSubscriptionById(db, id));
    if (subscription && subscription.organization_id === invoice.organization_id) subscriptions.push(subscription);
  }
  // Their plan changes in one read, not one per subscription (none when the memo has them all).
  const codes = await recalledPlanChangeCodes(db, subscriptions) ?? await planChangeCodesOf(db, subscriptions);
  const presented: SubscriptionJson[] = [];
  for (const subscription of subscriptions) presented.push(await presentSubscriptionAsOf(db, subscription, asOf ?? { date: invoice.issuing_date }, codes.get(subscription.id)));
  return presented;
}
