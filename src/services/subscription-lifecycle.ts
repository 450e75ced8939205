/**
 * What happens to a subscription over its life, each step one idempotent operation the workflow
 * calls through an activity: terminate, cancel, upgrade, downgrade, record seat usage.
 */
import type { Db } from '../db/knex';
import type { LocalDate } from '../billing/calendar';
import { startOfLocalDay } from '../billing/calendar';
import { findSubscriptionById, type SubscriptionRow } from '../db/subscriptions';
import { issueSubscriptionInvoice } from './invoicing';
import { creditUnusedAdvanceFee } from './termination-credit';

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
    await trx('subscriptions').where({ id: subscriptionId }).whereNot({ status: 'terminated' })
      .update({ status: 'terminated', terminated_at: new Date(atMs), updated_at: trx.fn.now() });
    if (pendingSubscriptionId) {
      await trx('subscriptions').where({ id: pendingSubscriptionId, status: 'pending' })
        .update({ status: 'canceled', canceled_at: new Date(atMs), updated_at: trx.fn.now() });
    }
  });
}

/** Terminates now (DELETE or ending_at): the final invoice and, for in-advance plans, a credit note. */
export async function terminateSubscription(db: Db, input: { subscriptionId: string; pendingSubscriptionId: string | null; atMs: number }): Promise<TerminationOutcome> {
  await markTerminated(db, input.subscriptionId, input.atMs, input.pendingSubscriptionId);
  const subscription = await requireSubscription(db, input.subscriptionId);
  const atMs = subscription.terminated_at!.getTime();
  const invoice = subscription.on_termination_invoice === 'skip'
    ? null
    : await issueSubscriptionInvoice(db, { kind: 'termination', subscriptionId: input.subscriptionId, atMs });
  const creditNote = await creditUnusedAdvanceFee(db, { subscriptionId: input.subscriptionId, atMs, reason: 'termination' });
  return { subscriptionId: input.subscriptionId, invoiceId: invoice?.invoiceId ?? null, creditNoteId: creditNote };
}

/** A pending subscription (not started yet) terminated before its start is canceled. */
export async function cancelSubscription(db: Db, input: { subscriptionId: string }): Promise<TerminationOutcome> {
  await db('subscriptions').where({ id: input.subscriptionId, status: 'pending' })
    .update({ status: 'canceled', canceled_at: db.fn.now(), updated_at: db.fn.now() });
  return { subscriptionId: input.subscriptionId, invoiceId: null, creditNoteId: null };
}

/**
 * An upgrade takes effect at once: the old subscription ends, the new one (created pending by
 * the API) becomes active from `atMs`, and one invoice holds the old plan's closing fees and the
 * new plan's prorated in-advance fee; unused in-advance days of the old plan are credited.
 */
export async function upgradeSubscription(db: Db, input: { fromSubscriptionId: string; toSubscriptionId: string; atMs: number }): Promise<TerminationOutcome> {
  await db.transaction(async (trx) => {
    const from = await trx('subscriptions').where({ id: input.fromSubscriptionId }).forUpdate().first();
    if (from.status !== 'terminated') {
      await trx('subscriptions').where({ id: input.fromSubscriptionId })
        .update({ status: 'terminated', terminated_at: new Date(input.atMs), updated_at: trx.fn.now() });
    }
    await trx('subscriptions').where({ id: input.toSubscriptionId }).whereIn('status', ['pending'])
      .update({ status: 'active', started_at: new Date(input.atMs), updated_at: trx.fn.now() });
  });
  const invoice = await issueSubscriptionInvoice(db, { kind: 'upgrade', ...input });
  const creditNote = await creditUnusedAdvanceFee(db, { subscriptionId: input.fromSubscriptionId, atMs: input.atMs, reason: 'upgrade' });
  return { subscriptionId: input.toSubscriptionId, invoiceId: invoice?.invoiceId ?? null, creditNoteId: creditNote };
}

/** A downgrade takes effect at the billing date ending the current period. */
export async function applyDowngrade(db: Db, input: { fromSubscriptionId: string; toSubscriptionId: string; billingDate: LocalDate; timezone: string }): Promise<TerminationOutcome> {
  const boundary = startOfLocalDay(input.billingDate, input.timezone);
  await db.transaction(async (trx) => {
    await trx('subscriptions').where({ id: input.fromSubscriptionId }).whereNot({ status: 'terminated' })
      .update({ status: 'terminated', terminated_at: new Date(boundary - 1), updated_at: trx.fn.now() });
    await trx('subscriptions').where({ id: input.toSubscriptionId, status: 'pending' })
      .update({ status: 'active', started_at: new Date(boundary), updated_at: trx.fn.now() });
  });
  const invoice = await issueSubscriptionInvoice(db, { kind: 'downgrade', fromSubscriptionId: input.fromSubscriptionId, toSubscriptionId: input.toSubscriptionId, billingDate: input.billingDate });
  return { subscriptionId: input.toSubscriptionId, invoiceId: invoice?.invoiceId ?? null, creditNoteId: null };
}
