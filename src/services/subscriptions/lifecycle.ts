/**
 * What happens to a subscription over its life, each step one idempotent operation the workflow
 * calls through an activity: terminate, cancel, upgrade, downgrade, record seat usage.
 */
import type { Db } from '../../db/knex';
import { startOfLocalDay, type LocalDate } from '../../billing/calendar';
import {
  activatePendingSubscription, cancelPendingSubscription, findSubscriptionById, markSubscriptionTerminated, type SubscriptionRow,
} from '../../db/subscriptions';
import { issueSubscriptionInvoice } from '../invoicing';
import { creditUnusedAdvanceFee } from '../credits';
import { recordSubscriptionEvent } from './subscription-events';

export interface TerminationOutcome {
  subscriptionId: string;
  invoiceId: string | null;
  creditNoteId: string | null;
}

async function requireSubscription(db: Db, id: string): Promise<SubscriptionRow> {
  const subscription = await findSubscriptionById(db, id);
  if (!subscription) throw new Error(`Subscription ${id} does not exist`);
  return subscription;
}

/** Marks a subscription terminated at `atMs` (once) and cancels a pending successor. */
async function markTerminated(db: Db, subscriptionId: string, atMs: number, pendingSubscriptionId: string | null): Promise<void> {
  await db.transaction(async (trx) => {
    await markSubscriptionTerminated(trx, subscriptionId, atMs);
    await recordSubscriptionEvent(trx, { subscriptionId, webhookType: 'subscription.terminated' });
    if (pendingSubscriptionId && (await cancelPendingSubscription(trx, pendingSubscriptionId, atMs))) {
      await recordSubscriptionEvent(trx, { subscriptionId: pendingSubscriptionId, webhookType: 'subscription.canceled' });
    }
  });
}

/** One subscription ends and its successor starts, with both webhooks, in one transaction. */
async function switchSubscriptions(db: Db, from: { id: string; terminatedAtMs: number }, to: { id: string; startedAtMs: number }): Promise<void> {
  await db.transaction(async (trx) => {
    await markSubscriptionTerminated(trx, from.id, from.terminatedAtMs);
    await activatePendingSubscription(trx, to.id, to.startedAtMs);
    await recordSubscriptionEvent(trx, { subscriptionId: from.id, webhookType: 'subscription.terminated' });
    await recordSubscriptionEvent(trx, { subscriptionId: to.id, webhookType: 'subscription.started' });
  });
}

/** Terminates now (DELETE or ending_at): the final invoice and, for in-advance plans, a credit note. */
export async function endSubscription(db: Db, input: { subscriptionId: string; pendingSubscriptionId: string | null; atMs: number }): Promise<TerminationOutcome> {
  await markTerminated(db, input.subscriptionId, input.atMs, input.pendingSubscriptionId);
  const subscription = await requireSubscription(db, input.subscriptionId);
  const atMs = subscription.terminated_at!.getTime();
  const invoice = subscription.on_termination_invoice === 'skip'
    ? null
    : await issueSubscriptionInvoice(db, { kind: 'termination', subscriptionId: input.subscriptionId, atMs });
  const creditNote = await creditUnusedAdvanceFee(db, { subscriptionId: input.subscriptionId, atMs, reason: 'termination' });
  return { subscriptionId: input.subscriptionId, invoiceId: invoice?.invoiceId ?? null, creditNoteId: creditNote };
}

/** A pending subscription (not started yet) terminated before its start is canceled at `atMs`. */
export async function cancelSubscription(db: Db, input: { subscriptionId: string; atMs: number }): Promise<TerminationOutcome> {
  await db.transaction(async (trx) => {
    if (await cancelPendingSubscription(trx, input.subscriptionId, input.atMs)) {
      await recordSubscriptionEvent(trx, { subscriptionId: input.subscriptionId, webhookType: 'subscription.canceled' });
    }
  });
  return { subscriptionId: input.subscriptionId, invoiceId: null, creditNoteId: null };
}

/**
 * An upgrade takes effect at once: the old subscription ends, the new one (created pending by
 * the API) becomes active from `atMs`, and one invoice holds the old plan's closing fees and the
 * new plan's prorated in-advance fee; unused in-advance days of the old plan are credited.
 */
export async function upgradeSubscription(db: Db, input: { fromSubscriptionId: string; toSubscriptionId: string; atMs: number }): Promise<TerminationOutcome> {
  await switchSubscriptions(db, { id: input.fromSubscriptionId, terminatedAtMs: input.atMs }, { id: input.toSubscriptionId, startedAtMs: input.atMs });
  const invoice = await issueSubscriptionInvoice(db, { kind: 'upgrade', ...input });
  const creditNote = await creditUnusedAdvanceFee(db, { subscriptionId: input.fromSubscriptionId, atMs: input.atMs, reason: 'upgrade' });
  return { subscriptionId: input.toSubscriptionId, invoiceId: invoice?.invoiceId ?? null, creditNoteId: creditNote };
}

/** A downgrade takes effect at the billing date ending the current period. */
export async function applyDowngrade(db: Db, input: { fromSubscriptionId: string; toSubscriptionId: string; billingDate: LocalDate; timezone: string }): Promise<TerminationOutcome> {
  const boundary = startOfLocalDay(input.billingDate, input.timezone);
  await switchSubscriptions(db, { id: input.fromSubscriptionId, terminatedAtMs: boundary - 1 }, { id: input.toSubscriptionId, startedAtMs: boundary });
  const invoice = await issueSubscriptionInvoice(db, { kind: 'downgrade', fromSubscriptionId: input.fromSubscriptionId, toSubscriptionId: input.toSubscriptionId, billingDate: input.billingDate });
  return { subscriptionId: input.toSubscriptionId, invoiceId: invoice?.invoiceId ?? null, creditNoteId: null };
}
