/**
 * Creating, changing, terminating and reading subscriptions from the API. Each subscription lives
 * on as a workflow (src/workflows/subscription.ts): this file writes the rows and asks the
 * workflow; the workflow's activities do the billing (lifecycle.ts).
 * - The plan must be in the customer's currency (422 `currency: currencies_does_not_match`); a
 *   customer without one takes the plan's, in the transaction that creates the subscription. A
 *   plan change keeps the currency too.
 * - A plan pending deletion accepts no new subscription (422 `plan_code: plan_pending_deletion`).
 * - No subscription without its workflow (workflows.ts): the row and the intent to start the
 *   workflow are one transaction, and a request that must ask the workflow (a plan change, a
 *   termination) looks first, so Temporal down is a 503 with nothing written.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';
import { findPlanById, findPlanByCode, type PlanRow } from '../../db/plans';
import { upsertCustomer } from '../../db/customers';
import { assertPlanSubscribable, checkUsageThresholds, hasOverrides, writeUsageThresholds, type PlanOverridesInput, type UsageThresholdInput } from '../catalog';
import { adoptPlanCurrency } from '../customers';
import {
  activatePendingSubscription, cancelPendingSuccessors, findSubscriptionByExternalId, findSubscriptionById, insertSubscription, subscriptionsPage,
  type SubscriptionRow, type SubscriptionStatus,
} from '../../db/subscriptions';
import { thresholdsOfSubscription } from '../../db/usage-thresholds';
import { contextOf } from '../../db/subscription-context';
import { isUniqueViolation } from '../../db/errors';
import { subscriptionTerms } from '../../billing/subscription-terms';
import { planChangeKind } from '../../billing/plan-changes';
import type { BillingTime } from '../../billing/types';
import { invalidField, notFound, Problems } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import type { ServiceDeps } from '../deps';
import { subscriptionWorkflowId } from '../../workflows/ids';
import { WorkflowRefusal } from '../../workflows/client';
import { terminationOptions, type TerminationQuery } from './termination-options';
import { recordSubscriptionEvent } from './subscription-events';
import { requestWorkflowStart } from '../../webhooks/outbox';
import { askableWorkflow, askingWorkflow, startIfStillRequested, startRequested, workflowStartInput } from './workflows';
import { applySubscriptionOverrides, childPlanFor } from './plan-overrides';

export interface CreateSubscriptionInput {
  external_customer_id: string;
  plan_code: string;
  external_id: string;
  name?: string | null;
  billing_time: BillingTime;
  /** ISO-8601 instants. */
  subscription_at?: string | null;
  ending_at?: string | null;
  /** Descriptive: stored and shown (a plan change keeps the current one unless another is given). */
  purchase_order_number?: string | null;
  /** False: billed on its own invoice, never on its customer's consolidated one (default true; a plan change keeps the current one unless given). */
  consolidate_invoice?: boolean | null;
  /** Progressive billing (issue 15): the subscription's own thresholds, replacing its plan's. */
  usage_thresholds?: UsageThresholdInput[] | null;
  /** True: no progressive invoice for this subscription whatever the thresholds (a plan change keeps the current one unless given). */
  progressive_billing_disabled?: boolean | null;
  /** Lago's plan overrides: the subscription is billed on a child plan (plan-overrides.ts). */
  plan_overrides?: PlanOverridesInput | null;
}

/** The fields of a repeated creation that differ from the subscription it names: 422 `value_differs_from_existing_subscription` for each. */
async function refuseChangesOnRepeat(db: ServiceDeps['db'], existing: SubscriptionRow, input: CreateSubscriptionInput): Promise<void> {
  const problems = new Problems();
  const instant = (value: string | null | undefined) => (value ? Date.parse(value) : null);
  const differs: [keyof CreateSubscriptionInput, boolean][] = [
    ['name', input.name != null && input.name !== existing.name],
    ['ending_at', input.ending_at !== undefined && instant(input.ending_at) !== (existing.ending_at?.getTime() ?? null)],
    ['purchase_order_number', input.purchase_order_number != null && input.purchase_order_number !== existing.purchase_order_number],
    ['consolidate_invoice', input.consolidate_invoice != null && input.consolidate_invoice !== existing.consolidate_invoice],
    ['progressive_billing_disabled', input.progressive_billing_disabled != null && input.progressive_billing_disabled !== existing.progressive_billing_disabled],
  ];
  if (input.usage_thresholds != null) {
    const own = (await thresholdsOfSubscription(db, existing.id)).map((row) => `${row.amount_cents}:${row.recurring}:${row.threshold_display_name ?? ''}`).sort();
    const sent = input.usage_thresholds.map((row) => `${row.amount_cents}:${row.recurring ?? false}:${row.threshold_display_name ?? ''}`).sort();
    differs.push(['usage_thresholds', own.join('|') !== sent.join('|')]);
  }
  for (const [field, changed] of differs) if (changed) problems.add(field, 'value_differs_from_existing_subscription');
  problems.throwIfAny();
}

export async function createSubscription(deps: ServiceDeps, organization: OrganizationRow, input: CreateSubscriptionInput): Promise<SubscriptionRow> {
  const { db } = deps;
  const plan = await findPlanByCode(db, organization.id, input.plan_code);
  if (!plan) throw notFound('plan');
  const existing = await findSubscriptionByExternalId(db, organization.id, input.external_id);
  // A subscription on a child plan (its overrides) is on the child's parent: compared by the catalog's plan.
  const existingPlan = existing ? await findPlanById(db, organization.id, existing.plan_id) : undefined;
  if (existing && (existing.plan_id === plan.id || existingPlan?.parent_id === plan.id)) {
    // The same subscription again (a retry): harmless, and a workflow whose start was left to the relay is started now.
    // A field that would change it is refused rather than dropped: changes go through PUT /subscriptions/:external_id.
    await refuseChangesOnRepeat(db, existing, input);
    // Overrides set the child plan's terms: applying the same again changes nothing, so a retry is harmless (as PUT does).
    if (hasOverrides(input.plan_overrides)) await applySubscriptionOverrides(db, existing, input.plan_overrides, randomUUID());
    await startIfStillRequested(deps, existing);
    return (await findSubscriptionById(db, existing.id))!;
  }
  assertPlanSubscribable(plan);
  const problems = new Problems();
  checkUsageThresholds(input.usage_thresholds, problems);
  problems.throwIfAny();
  if (existing) return changePlan(deps, organization, existing, plan, input);
  const now = await deps.clock.now();
  const subscriptionAt = input.subscription_at ? Date.parse(input.subscription_at) : now;
  const endingAt = input.ending_at ? Date.parse(input.ending_at) : null;
  if (endingAt !== null && (endingAt <= now || endingAt <= subscriptionAt)) throw invalidField('ending_at', 'invalid_date');

  let created: { subscription: SubscriptionRow; startId: string | null; start: Awaited<ReturnType<typeof workflowStartInput>> };
  try {
    created = await db.transaction(async (trx) => {
      const { customer } = await upsertCustomer(trx, organization.id, input.external_customer_id, {});
      await adoptPlanCurrency(trx, customer.id, plan.amount_currency);
      const billedOn = hasOverrides(input.plan_overrides) ? await childPlanFor(trx, organization.id, plan, input.plan_overrides) : plan;
      const subscription = await insertSubscription(trx, {
        organization_id: organization.id,
        customer_id: customer.id,
        plan_id: billedOn.id,
        external_id: input.external_id,
        name: input.name ?? null,
        status: subscriptionAt > now ? 'pending' : 'active',
        billing_time: input.billing_time,
        subscription_at: new Date(subscriptionAt),
        started_at: subscriptionAt > now ? null : new Date(subscriptionAt),
        trial_ended_at: null,
        ending_at: endingAt === null ? null : new Date(endingAt),
        terminated_at: null,
        canceled_at: null,
        previous_subscription_id: null,
        on_termination_credit_note: null,
        workflow_id: subscriptionWorkflowId(organization.id, input.external_id),
        purchase_order_number: input.purchase_order_number ?? null,
        consolidate_invoice: input.consolidate_invoice ?? true,
        progressive_billing_disabled: input.progressive_billing_disabled ?? false,
      });
      if (input.usage_thresholds) await writeUsageThresholds(trx, organization.id, { subscriptionId: subscription.id }, input.usage_thresholds);
      // The intent to start its workflow commits with it (the outbox): no subscription without its workflow.
      const start = await workflowStartInput(trx, subscription, now);
      const startId = await requestWorkflowStart(trx, { organizationId: organization.id, subscriptionId: subscription.id, workflowId: subscription.workflow_id, input: start });
      return { subscription, startId, start };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw invalidField('external_id', 'value_already_exist');
    throw error;
  }
  if (created.startId) await startRequested(deps, created.startId, created.start);
  return created.subscription;
}

/**
 * `POST /subscriptions` with an active external id and another plan: an upgrade (worth at least
 * as much a year) applies at once, a downgrade at the end of the period. The new subscription row
 * is created pending, inheriting the anchor and billing time; a pending change it replaces is
 * canceled. Answers the subscription the caller should see (Lago: the new one for an upgrade, the
 * current one, showing `next_plan_code`, for a downgrade).
 */
async function changePlan(deps: ServiceDeps, organization: OrganizationRow, current: SubscriptionRow, plan: PlanRow, input: CreateSubscriptionInput): Promise<SubscriptionRow> {
  const { db } = deps;
  const ctx = await contextOf(db, current);
  // Both sides as billed: the current subscription's child plan (its overrides) and the new plan with the overrides sent.
  const kind = planChangeKind(
    { interval: ctx.plan.interval, amountCents: ctx.plan.amount_cents },
    { interval: plan.interval, amountCents: input.plan_overrides?.amount_cents ?? plan.amount_cents },
  );
  if (plan.amount_currency !== ctx.plan.amount_currency) throw invalidField('currency', 'currencies_does_not_match');
  // Nothing is written unless the workflow can be asked.
  await askableWorkflow(deps, current);
  const now = await deps.clock.now();
  let billedOn = plan;
  const next = await db.transaction(async (trx) => {
    await adoptPlanCurrency(trx, current.customer_id, plan.amount_currency);
    await cancelPendingSuccessors(trx, organization.id, current, now);
    billedOn = hasOverrides(input.plan_overrides) ? await childPlanFor(trx, organization.id, plan, input.plan_overrides) : plan;
    const row = await insertSubscription(trx, {
      organization_id: organization.id,
      customer_id: current.customer_id,
      plan_id: billedOn.id,
      external_id: current.external_id,
      name: input.name ?? current.name,
      status: 'pending',
      billing_time: current.billing_time,
      subscription_at: current.subscription_at,
      started_at: null,
      trial_ended_at: null,
      ending_at: current.ending_at,
      terminated_at: null,
      canceled_at: null,
      previous_subscription_id: current.id,
      on_termination_credit_note: current.on_termination_credit_note,
      workflow_id: current.workflow_id,
      purchase_order_number: input.purchase_order_number ?? current.purchase_order_number,
      consolidate_invoice: input.consolidate_invoice ?? current.consolidate_invoice,
      progressive_billing_disabled: input.progressive_billing_disabled ?? current.progressive_billing_disabled ?? false,
    });
    if (input.usage_thresholds) await writeUsageThresholds(trx, organization.id, { subscriptionId: row.id }, input.usage_thresholds);
    return row;
  });
  const terms = subscriptionTerms(next, billedOn, ctx.timezone);
  await askingWorkflow(() => deps.workflows.changePlan(organization.id, current.external_id, { kind, subscriptionId: next.id, planCode: plan.code, terms, atMs: now }));
  if (kind === 'downgrade') {
    await recordSubscriptionEvent(db, { subscriptionId: current.id, webhookType: 'subscription.updated', idempotencyKey: `subscription.updated:downgrade:${next.id}` });
  }
  return (await findSubscriptionById(db, kind === 'upgrade' ? next.id : current.id))!;
}

/**
 * `DELETE /subscriptions/:external_id`: terminates the active subscription (or cancels a pending
 * one). With `status=pending` on a scheduled plan change (a downgrade's pending subscription), the
 * change is dropped through the workflow and the pending subscription canceled; the current one
 * stays on its plan. Each answers once the workflow has done it.
 */
export async function terminateSubscription(
  deps: ServiceDeps, organization: OrganizationRow, externalId: string, status?: string, options: TerminationQuery = {},
): Promise<SubscriptionRow> {
  const termination = terminationOptions(options);
  const subscription = await getSubscription(deps.db, organization.id, externalId, status === 'pending' ? 'pending' : 'active');
  await askableWorkflow(deps, subscription);
  if (subscription.previous_subscription_id && subscription.status === 'pending') {
    try {
      await askingWorkflow(async () => deps.workflows.cancelPlanChange(organization.id, externalId, { subscriptionId: subscription.id, atMs: await deps.clock.now() }));
    } catch (error) {
      // Applied or replaced in the meantime: it is no longer a pending subscription.
      if (error instanceof WorkflowRefusal) throw notFound('subscription');
      throw error;
    }
  } else {
    await askingWorkflow(async () => deps.workflows.terminate(organization.id, externalId, await deps.clock.now(), termination));
  }
  return (await findSubscriptionById(deps.db, subscription.id))!;
}

/** Marks a pending subscription active at its start (idempotent) and records `subscription.started` once. */
export async function activateSubscription(db: Db, subscriptionId: string): Promise<void> {
  const subscription = await findSubscriptionById(db, subscriptionId);
  if (!subscription) throw new Error(`Subscription ${subscriptionId} does not exist`);
  await db.transaction(async (trx) => {
    await activatePendingSubscription(trx, subscription.id, subscription.subscription_at.getTime());
    await recordSubscriptionEvent(trx, { subscriptionId, webhookType: 'subscription.started' });
  });
}

const STATUSES: SubscriptionStatus[] = ['active', 'pending', 'terminated', 'canceled'];

/** The subscription with this external id in the given status (active by default). */
export async function getSubscription(db: Db, organizationId: string, externalId: string, status?: string): Promise<SubscriptionRow> {
  const wanted = STATUSES.find((candidate) => candidate === status) ?? 'active';
  const subscription = await findSubscriptionByExternalId(db, organizationId, externalId, wanted);
  if (!subscription) throw notFound('subscription');
  return subscription;
}

export interface SubscriptionFilters {
  statuses?: string[];
  externalCustomerId?: string;
  planCode?: string;
}

/** One page of subscriptions, newest first (active ones unless statuses are given). */
export async function listSubscriptions(db: Db, organizationId: string, filters: SubscriptionFilters, page: Page): Promise<Paginated<SubscriptionRow>> {
  const statuses = (filters.statuses ?? ['active']).filter((status): status is SubscriptionStatus => (STATUSES as string[]).includes(status));
  return subscriptionsPage(db, organizationId, { statuses, externalCustomerId: filters.externalCustomerId, planCode: filters.planCode }, page);
}
