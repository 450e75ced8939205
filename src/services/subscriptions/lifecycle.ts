/**
 * What happens to a subscription over its life, each step one idempotent operation the workflow
 * calls through an activity: terminate, cancel, upgrade, downgrade, cancel a pending plan change,
 * the end of the trial, a termination alert. A step that ends a subscription on a plan pending
 * deletion then deletes the plan if it was the plan's last one (`retirePlanIfUnused`): the plan's
 * deletion is as durable as the termination that allows it.
 */
import type { Db, Tx } from '../../db/knex';
import { startOfLocalDay, type LocalDate } from '../../billing/calendar';
import {
  activatePendingSubscription, cancelPendingSubscription, findSubscriptionById, markSubscriptionTerminated, markTrialEnded, updateSubscription, type SubscriptionRow,
} from '../../db/subscriptions';
import type { TerminationOptions } from '../../workflows/messages';
import { closeOccasion, findInvoicePart, lockCustomerBilling } from '../../db/invoice-subscriptions';
import { loadSubscriptionContext } from '../../db/subscription-context';
import { logger } from '../../runtime/logger';
import { retirePlanIfUnused } from '../catalog';
import { closedThroughMs, issueSubscriptionInvoice } from '../invoicing';
import { creditUnusedAdvanceFee } from '../credits';
import { recordSubscriptionEvent } from './subscription-events';
import { terminationFields } from './termination-options';

export interface TerminationOutcome {
  subscriptionId: string;
  invoiceId: string | null;
  creditNoteId: string | null;
  /** The instant the change took effect: the one asked, or the start of a billing date already closed after it. */
  effectiveAtMs?: number;
  /** A downgrade not applied at this billing date (already closed as a periodic one): it waits for the next. */
  deferred?: boolean;
}

async function requireSubscription(db: Db | Tx, id: string): Promise<SubscriptionRow> {
  const subscription = await findSubscriptionById(db, id);
  if (!subscription) throw new Error(`Subscription ${id} does not exist`);
  return subscription;
}

/** Deletes the plans of ended subscriptions that were pending deletion and have no live subscription left. */
async function retireEndedPlans(db: Db, subscriptionIds: readonly (string | null)[]): Promise<void> {
  for (const id of subscriptionIds) {
    const subscription = id ? await findSubscriptionById(db, id) : undefined;
    if (subscription) await retirePlanIfUnused(db, subscription.organization_id, subscription.plan_id);
  }
}

/**
 * In the caller's transaction, takes the customer's billing lock (no consolidated close of the
 * customer's day runs meanwhile) and answers when a change of the subscription asked for `atMs`
 * takes effect: `atMs`, unless a billing date after it is already closed (its customer's
 * consolidated close billed it while the request waited for a late workflow): then the start of
 * that date, so nothing is billed twice (docs/design/consolidation.md).
 */
async function effectiveInstant(trx: Tx, subscriptionId: string, atMs: number): Promise<number> {
  const ctx = await loadSubscriptionContext(trx, subscriptionId);
  await lockCustomerBilling(trx, ctx.organization.id, ctx.customer.id);
  const closedThrough = await closedThroughMs(trx, subscriptionId, ctx.timezone);
  if (closedThrough <= atMs) return atMs;
  logger.warn({ subscriptionId, askedAt: new Date(atMs).toISOString(), effectiveAt: new Date(closedThrough).toISOString() }, 'change takes effect at a billing date already closed');
  return closedThrough;
}

/**
 * Marks a subscription terminated at `atMs` (once; no earlier than its last closed billing date),
 * with the termination options asked (`DELETE`'s query), and cancels a pending successor.
 */
async function markTerminated(db: Db, subscriptionId: string, atMs: number, pendingSubscriptionId: string | null, options: TerminationOptions = {}): Promise<void> {
  await db.transaction(async (trx) => {
    const effective = await effectiveInstant(trx, subscriptionId, atMs);
    const current = await requireSubscription(trx, subscriptionId);
    if (current.status !== 'terminated') {
      const fields = terminationFields(options, (await loadSubscriptionContext(trx, subscriptionId)).plan.pay_in_advance);
      if (Object.keys(fields).length > 0) await updateSubscription(trx, subscriptionId, fields);
    }
    await markSubscriptionTerminated(trx, subscriptionId, effective);
    await recordSubscriptionEvent(trx, { subscriptionId, webhookType: 'subscription.terminated' });
    if (pendingSubscriptionId && (await cancelPendingSubscription(trx, pendingSubscriptionId, atMs))) {
      await recordSubscriptionEvent(trx, { subscriptionId: pendingSubscriptionId, webhookType: 'subscription.canceled' });
    }
  });
}

/** One subscription ends and its successor starts, with both webhooks, in the caller's transaction. */
async function switchSubscriptions(trx: Tx, from: { id: string; terminatedAtMs: number }, to: { id: string; startedAtMs: number }): Promise<void> {
  await markSubscriptionTerminated(trx, from.id, from.terminatedAtMs);
  await activatePendingSubscription(trx, to.id, to.startedAtMs);
  await recordSubscriptionEvent(trx, { subscriptionId: from.id, webhookType: 'subscription.terminated' });
  await recordSubscriptionEvent(trx, { subscriptionId: to.id, webhookType: 'subscription.started' });
}

/** Terminates now (DELETE or ending_at): the final invoice and, for in-advance plans, a credit note. */
export async function endSubscription(db: Db, input: { subscriptionId: string; pendingSubscriptionId: string | null; atMs: number } & TerminationOptions): Promise<TerminationOutcome> {
  await markTerminated(db, input.subscriptionId, input.atMs, input.pendingSubscriptionId, input);
  const subscription = await requireSubscription(db, input.subscriptionId);
  const atMs = subscription.terminated_at!.getTime();
  const invoice = subscription.on_termination_invoice === 'skip'
    ? null
    : await issueSubscriptionInvoice(db, { kind: 'termination', subscriptionId: input.subscriptionId, atMs });
  const creditNote = await creditUnusedAdvanceFee(db, { subscriptionId: input.subscriptionId, atMs, reason: 'termination' });
  await retireEndedPlans(db, [input.subscriptionId, input.pendingSubscriptionId]);
  return { subscriptionId: input.subscriptionId, invoiceId: invoice?.invoiceId ?? null, creditNoteId: creditNote };
}

/** A pending subscription (not started yet) terminated before its start is canceled at `atMs`. */
export async function cancelSubscription(db: Db, input: { subscriptionId: string; atMs: number }): Promise<TerminationOutcome> {
  await db.transaction(async (trx) => {
    if (await cancelPendingSubscription(trx, input.subscriptionId, input.atMs)) {
      await recordSubscriptionEvent(trx, { subscriptionId: input.subscriptionId, webhookType: 'subscription.canceled' });
    }
  });
  await retireEndedPlans(db, [input.subscriptionId]);
  return { subscriptionId: input.subscriptionId, invoiceId: null, creditNoteId: null };
}

/**
 * `DELETE /subscriptions/:id?status=pending` on a scheduled plan change: the pending subscription
 * is canceled (`subscription.canceled`) and the one that stays on its plan no longer shows the
 * change (`subscription.updated`), in one transaction. Once: a retry records nothing more.
 */
export async function cancelPendingPlanChange(db: Db, input: { subscriptionId: string; pendingSubscriptionId: string; atMs: number }): Promise<void> {
  await db.transaction(async (trx) => {
    if (await cancelPendingSubscription(trx, input.pendingSubscriptionId, input.atMs)) {
      await recordSubscriptionEvent(trx, { subscriptionId: input.pendingSubscriptionId, webhookType: 'subscription.canceled' });
      await recordSubscriptionEvent(trx, {
        subscriptionId: input.subscriptionId,
        webhookType: 'subscription.updated',
        idempotencyKey: `subscription.updated:plan_change_canceled:${input.pendingSubscriptionId}`,
      });
    }
  });
  await retireEndedPlans(db, [input.pendingSubscriptionId]);
}

/** The trial is over: `trial_ended_at` and `subscription.trial_ended`, once, in one transaction. */
export async function endTrial(db: Db, input: { subscriptionId: string; trialEndedAtMs: number }): Promise<void> {
  await db.transaction(async (trx) => {
    await markTrialEnded(trx, input.subscriptionId, input.trialEndedAtMs);
    await recordSubscriptionEvent(trx, { subscriptionId: input.subscriptionId, webhookType: 'subscription.trial_ended' });
  });
}

/** `subscription.termination_alert` for the alert due at `alertAtMs` (before `ending_at`), once per alert. */
export async function alertTermination(db: Db, input: { subscriptionId: string; alertAtMs: number }): Promise<void> {
  await db.transaction(async (trx) => {
    await recordSubscriptionEvent(trx, {
      subscriptionId: input.subscriptionId,
      webhookType: 'subscription.termination_alert',
      idempotencyKey: `subscription.termination_alert:${input.subscriptionId}:${new Date(input.alertAtMs).toISOString()}`,
    });
  });
}

/**
 * An upgrade takes effect at once: the old subscription ends, the new one (created pending by
 * the API) becomes active from `atMs`, and one invoice holds the old plan's closing fees and the
 * new plan's prorated in-advance fee; unused in-advance days of the old plan are credited.
 */
export async function upgradeSubscription(db: Db, input: { fromSubscriptionId: string; toSubscriptionId: string; atMs: number }): Promise<TerminationOutcome> {
  // A retry finds the switch done: its instant is the one recorded then.
  const atMs = await db.transaction(async (trx) => {
    const from = await requireSubscription(trx, input.fromSubscriptionId);
    const effective = from.terminated_at ? from.terminated_at.getTime() : await effectiveInstant(trx, input.fromSubscriptionId, input.atMs);
    await switchSubscriptions(trx, { id: input.fromSubscriptionId, terminatedAtMs: effective }, { id: input.toSubscriptionId, startedAtMs: effective });
    return effective;
  });
  const invoice = await issueSubscriptionInvoice(db, { kind: 'upgrade', ...input, atMs });
  const creditNote = await creditUnusedAdvanceFee(db, { subscriptionId: input.fromSubscriptionId, atMs, reason: 'upgrade' });
  await retireEndedPlans(db, [input.fromSubscriptionId]);
  return { subscriptionId: input.toSubscriptionId, invoiceId: invoice?.invoiceId ?? null, creditNoteId: creditNote, effectiveAtMs: atMs };
}

/**
 * A downgrade takes effect at the billing date ending the current period, unless that date was
 * already closed as a periodic one (the customer's consolidated close billed it before the change
 * reached the workflow): then it is `deferred` to the next billing date and nothing changes.
 */
export async function applyDowngrade(db: Db, input: { fromSubscriptionId: string; toSubscriptionId: string; billingDate: LocalDate; timezone: string }): Promise<TerminationOutcome> {
  const boundary = startOfLocalDay(input.billingDate, input.timezone);
  const deferred = await db.transaction(async (trx) => {
    const ctx = await loadSubscriptionContext(trx, input.fromSubscriptionId);
    await lockCustomerBilling(trx, ctx.organization.id, ctx.customer.id);
    const closed = await findInvoicePart(trx, input.fromSubscriptionId, closeOccasion(input.billingDate));
    if (closed && closed.invoicing_reason === 'subscription_periodic') return true;
    await switchSubscriptions(trx, { id: input.fromSubscriptionId, terminatedAtMs: boundary - 1 }, { id: input.toSubscriptionId, startedAtMs: boundary });
    return false;
  });
  if (deferred) {
    logger.warn({ ...input }, 'downgrade deferred: its billing date was already closed');
    return { subscriptionId: input.fromSubscriptionId, invoiceId: null, creditNoteId: null, deferred: true };
  }
  const invoice = await issueSubscriptionInvoice(db, { kind: 'downgrade', fromSubscriptionId: input.fromSubscriptionId, toSubscriptionId: input.toSubscriptionId, billingDate: input.billingDate });
  await retireEndedPlans(db, [input.fromSubscriptionId]);
  return { subscriptionId: input.toSubscriptionId, invoiceId: invoice?.invoiceId ?? null, creditNoteId: null };
}
