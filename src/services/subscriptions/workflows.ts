/**
 * No subscription without its workflow (issue 12).
 * - **Created with its intent.** `createSubscription` writes the subscription and the intent to
 *   start its workflow (`requestWorkflowStart`, the outbox) in one transaction, then starts it at
 *   once (`startRequested`); when Temporal does not answer, the outbox relay starts it later.
 * - **Asked only when it can answer.** A call that needs the workflow (terminate, change plan,
 *   cancel a plan change, the deletions) first looks at it (`askableWorkflow`) within
 *   `REACH_TIMEOUT_MS`, before anything is written: Temporal unreachable is a 503
 *   `temporal_unavailable` and nothing changed. A workflow found missing or closed while its
 *   subscription is live is started again first.
 * - **Repaired when lost.** `reconcileSubscriptionWorkflows` (at worker start and periodically)
 *   compares the live subscriptions with the running workflows and starts what is missing,
 *   logging each repair. A restarted workflow is rebuilt from the database: it begins again at the
 *   subscription's start and every boundary since is closed again, which issues nothing twice
 *   (invoices are unique by subscription, kind and period).
 */
import type { Conn, Db } from '../../db/knex';
import { findSubscriptionById, type SubscriptionRow } from '../../db/subscriptions';
import {
  liveWorkflowOwners, markWorkflowStartDispatched, markWorkflowStartsDispatchedFor, pendingSuccessorOf, pendingWorkflowStartOf, withExclusiveLock,
} from '../../db/workflow-starts';
import { findPlanById } from '../../db/plans';
import { contextOf } from '../../db/subscription-context';
import { localDateOf } from '../../billing/calendar';
import { nextBillingDate } from '../../billing/periods';
import { planChangeKind } from '../../billing/plan-changes';
import { subscriptionTerms } from '../../billing/subscription-terms';
import { UnavailableError } from '../../runtime/errors';
import { forEachConcurrently } from '../../runtime/concurrency';
import { logger } from '../../runtime/logger';
import { REACH_TIMEOUT_MS, WorkflowsUnavailable, type StartSubscriptionWorkflow, type WorkflowPresence } from '../../workflows/client';
import type { PendingPlanChange } from '../../workflows/messages';
import type { ServiceDeps } from '../deps';

const log = logger.child({ component: 'subscription-workflows' });

/** The 503 of a call that could not reach Temporal: nothing was written, the caller may retry. */
export function temporalUnavailable(): UnavailableError {
  return new UnavailableError(
    'temporal_unavailable',
    `The workflow engine (Temporal) did not answer within ${REACH_TIMEOUT_MS / 1000} s; nothing was changed. Retry the request.`,
  );
}

/** The API's 503 for "Temporal did not answer": nothing asked, or (an update that timed out) maybe still applied. */
export function asUnavailable(error: WorkflowsUnavailable): UnavailableError {
  if (error.delivered === 'no') return temporalUnavailable();
  return new UnavailableError(
    'workflow_timeout',
    'The subscription\'s workflow did not finish the request in time; it may still apply it. Read the subscription before retrying.',
  );
}

/** Runs a call that asks a workflow, turning "Temporal did not answer" into the API's 503. */
export async function askingWorkflow<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof WorkflowsUnavailable ? asUnavailable(error) : error;
  }
}

/**
 * What a subscription's workflow is started with. `repair`: rebuilt for a workflow found missing
 * (its trial's end counted as announced when recorded, a plan change pending in the database
 * carried over); otherwise the state of a new subscription.
 */
export async function workflowStartInput(conn: Conn, subscription: SubscriptionRow, nowMs: number, options: { repair?: boolean } = {}): Promise<StartSubscriptionWorkflow> {
  const ctx = await contextOf(conn, subscription);
  const pendingChange = options.repair ? await carriedPlanChange(conn, subscription, ctx.terms, ctx.timezone, nowMs) : null;
  return {
    state: {
      organizationId: subscription.organization_id,
      subscriptionId: subscription.id,
      planCode: ctx.plan.code,
      terms: ctx.terms,
      billedThrough: null,
      // A plan change's subscription started with the change (its invoice was the change's); any other starts again, idempotently.
      started: subscription.status === 'active' && subscription.previous_subscription_id !== null,
      ...(pendingChange ? { pendingChange } : {}),
      // The trial's end is announced even if it is past already (Lago does); termination alerts only from now on.
      notices: { trialEnded: subscription.trial_ended_at !== null, alertsThrough: nowMs },
    },
    externalId: subscription.external_id,
    customerExternalId: ctx.customer.external_id,
    planCode: ctx.plan.code,
    status: subscription.status,
  };
}

/** A scheduled downgrade of `owner` still pending in the database, as the workflow holds it. */
async function carriedPlanChange(
  conn: Conn, owner: SubscriptionRow, ownerTerms: StartSubscriptionWorkflow['state']['terms'], timezone: string, nowMs: number,
): Promise<PendingPlanChange | null> {
  if (owner.status !== 'active') return null;
  const successor = await pendingSuccessorOf(conn, owner.id);
  if (!successor) return null;
  const [from, to] = await Promise.all([findPlanById(conn, owner.organization_id, owner.plan_id), findPlanById(conn, owner.organization_id, successor.plan_id)]);
  if (!from || !to) return null;
  if (planChangeKind({ interval: from.interval, amountCents: from.amount_cents }, { interval: to.interval, amountCents: to.amount_cents }) !== 'downgrade') {
    log.error({ subscriptionId: owner.id, pendingSubscriptionId: successor.id }, 'a pending upgrade was never applied by the lost workflow: left for an operator');
    return null;
  }
  return {
    subscriptionId: successor.id,
    planCode: to.code,
    terms: subscriptionTerms(successor, to, timezone),
    effectiveDate: nextBillingDate(ownerTerms, localDateOf(nowMs, timezone)),
  };
}

/**
 * Starts the workflow of a subscription just created, from its recorded intent, and marks the
 * intent done. When Temporal does not answer in time the intent stays for the relay, and the
 * subscription is created all the same: it will be billed once Temporal is back.
 */
export async function startRequested(deps: ServiceDeps, startId: string, input: StartSubscriptionWorkflow): Promise<void> {
  try {
    await deps.workflows.start(input);
  } catch (error) {
    if (!(error instanceof WorkflowsUnavailable)) throw error;
    log.warn({ subscriptionId: input.state.subscriptionId, externalId: input.externalId }, 'Temporal did not answer: the outbox relay will start this subscription\'s workflow');
    return;
  }
  await markWorkflowStartDispatched(deps.db, startId);
}

/** The pending start of `subscription`, if it was never dispatched, started now (a repeated create). */
export async function startIfStillRequested(deps: ServiceDeps, subscription: SubscriptionRow): Promise<void> {
  const pending = await pendingWorkflowStartOf(deps.db, subscription.id);
  if (pending) await startRequested(deps, pending.id, pending.input as StartSubscriptionWorkflow);
}

/** The subscription driving the workflow `subscription` belongs to (itself, or the one a pending plan change waits on). */
async function ownerOf(db: Db, subscription: SubscriptionRow): Promise<SubscriptionRow | undefined> {
  if (subscription.status === 'pending' && subscription.previous_subscription_id) return findSubscriptionById(db, subscription.previous_subscription_id);
  return subscription;
}

/**
 * Makes sure the workflow of `subscription` can be asked, before the caller writes anything:
 * Temporal must answer within `REACH_TIMEOUT_MS` (else 503 `temporal_unavailable`), and a
 * workflow missing or closed while its subscription is live is started again.
 */
export async function askableWorkflow(deps: ServiceDeps, subscription: SubscriptionRow): Promise<void> {
  const presence = deps.workflows.presence;
  if (!presence) return;
  const state = await askingWorkflow(() => presence(subscription.organization_id, subscription.external_id));
  if (state === 'running') return;
  const owner = await ownerOf(deps.db, subscription);
  if (owner) await askingWorkflow(() => restartWorkflow(deps, owner, state));
}

/**
 * Starts the workflow of `owner` again, if it is still live once re-read (read after Temporal
 * said the workflow is gone: a workflow closes only after its subscription's end is committed).
 * Returns whether it started one.
 */
async function restartWorkflow(deps: ServiceDeps, owner: SubscriptionRow, was: WorkflowPresence): Promise<boolean> {
  const current = await findSubscriptionById(deps.db, owner.id);
  const live = current && (current.status === 'active' || (current.status === 'pending' && current.previous_subscription_id === null));
  if (!current || !live) return false;
  const pending = await pendingWorkflowStartOf(deps.db, current.id);
  const input = pending ? (pending.input as StartSubscriptionWorkflow) : await workflowStartInput(deps.db, current, await deps.clock.now(), { repair: true });
  await deps.workflows.start(input);
  await markWorkflowStartsDispatchedFor(deps.db, [current.id]);
  log.warn(
    { subscriptionId: current.id, externalId: current.external_id, organizationId: current.organization_id, workflowId: current.workflow_id, was, from: pending ? 'recorded intent' : 'database' },
    'subscription workflow was missing: started it',
  );
  return true;
}

export interface ReconcileOutcome {
  /** Workflows that must be running. */
  live: number;
  /** Of those, how many were looked at one by one (not in Temporal's list, or no list). */
  checked: number;
  /** The subscriptions whose workflow was started again. */
  repaired: string[];
  /** False when another process was reconciling already. */
  ran: boolean;
}

/**
 * Compares the live subscriptions with the running workflows and starts every workflow that is
 * missing (or closed while its subscription is live). One process at a time (a Postgres advisory
 * lock); workflows are listed in one pass where the server can (visibility), and each one absent
 * from the list is described before anything is started.
 */
export async function reconcileSubscriptionWorkflows(deps: ServiceDeps, options: { concurrency?: number } = {}): Promise<ReconcileOutcome> {
  const outcome = await withExclusiveLock(deps.db, 'billow:reconcile-subscription-workflows', async () => {
    const owners = await liveWorkflowOwners(deps.db);
    const running = (await deps.workflows.runningWorkflowIds?.()) ?? null;
    const doubtful = running ? owners.filter((owner) => !running.has(owner.workflow_id)) : owners;
    const repaired: string[] = [];
    const presence = deps.workflows.presence;
    if (!presence) return { live: owners.length, checked: 0, repaired, ran: true };
    await forEachConcurrently(doubtful, options.concurrency ?? 8, async (owner) => {
      const state = await presence(owner.organization_id, owner.external_id);
      if (state !== 'running' && (await restartWorkflow(deps, owner, state))) repaired.push(owner.id);
    });
    return { live: owners.length, checked: doubtful.length, repaired, ran: true };
  });
  return outcome ?? { live: 0, checked: 0, repaired: [], ran: false };
}
