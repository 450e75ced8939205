/** Creating, activating and reading subscriptions; each one lives on as a workflow. */
import type { Db } from '../../db/knex';
import type { Clock } from '../../runtime/clock';
import { findCustomerById, upsertCustomer } from '../../db/customers';
import { findOrganization, type OrganizationRow } from '../../db/organizations';
import { findPlanByCode, findPlanById, type PlanRow } from '../../db/plans';
import {
  findSubscriptionByExternalId, findSubscriptionById, insertSubscription, updateSubscription, type SubscriptionRow,
} from '../../db/subscriptions';
import { invalidField, methodNotAllowed, notFound } from '../../runtime/errors';
import { planChangeKind } from '../../billing/plan-changes';
import type { CreateSubscriptionInput } from '../../api/schemas/subscriptions';
import type { SubscriptionWorkflows } from '../../workflows/client';
import { applicableTimezone, subscriptionTerms } from '../../billing/subscription-terms';
import { subscriptionWorkflowId } from '../../workflows/ids';
import { isUniqueViolation } from '../../db/errors';
import { recordSubscriptionEvent } from './subscription-events';

export interface SubscriptionServiceDeps {
  db: Db;
  workflows: SubscriptionWorkflows;
  clock: Clock;
}

export async function createSubscription(deps: SubscriptionServiceDeps, organization: OrganizationRow, input: CreateSubscriptionInput): Promise<SubscriptionRow> {
  const { db } = deps;
  const plan = await findPlanByCode(db, organization.id, input.plan_code);
  if (!plan) throw notFound('plan');
  const existing = await findSubscriptionByExternalId(db, organization.id, input.external_id);
  if (existing) {
    if (existing.plan_id === plan.id) return ensureWorkflow(deps, organization, existing);
    return changePlan(deps, organization, existing, plan, input);
  }
  const now = await deps.clock.now();
  const subscriptionAt = input.subscription_at ? Date.parse(input.subscription_at) : now;
  const endingAt = input.ending_at ? Date.parse(input.ending_at) : null;
  if (endingAt !== null && (endingAt <= now || endingAt <= subscriptionAt)) throw invalidField('ending_at', 'invalid_date');

  const { customer } = await upsertCustomer(db, organization.id, input.external_customer_id, {});
  let subscription: SubscriptionRow;
  try {
    subscription = await insertSubscription(db, {
      organization_id: organization.id,
      customer_id: customer.id,
      plan_id: plan.id,
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
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw invalidField('external_id', 'value_already_exist');
    throw error;
  }
  return ensureWorkflow(deps, organization, subscription);
}

/** Starts the subscription's workflow unless it runs already (safe to repeat after a failed start). */
async function ensureWorkflow(deps: SubscriptionServiceDeps, organization: OrganizationRow, subscription: SubscriptionRow): Promise<SubscriptionRow> {
  const plan = (await findPlanById(deps.db, organization.id, subscription.plan_id))!;
  const customer = (await findCustomerById(deps.db, subscription.customer_id))!;
  const timezone = applicableTimezone(customer, organization);
  await deps.workflows.start({
    state: {
      organizationId: organization.id,
      subscriptionId: subscription.id,
      planCode: plan.code,
      terms: subscriptionTerms(subscription, plan, timezone),
      billedThrough: null,
      started: false,
    },
    externalId: subscription.external_id,
    customerExternalId: customer.external_id,
    planCode: plan.code,
    status: subscription.status,
  });
  return subscription;
}

/**
 * `POST /subscriptions` with an active external id and another plan: an upgrade (worth at least
 * as much a year) applies at once, a downgrade at the end of the period. The new subscription row
 * is created pending, inheriting the anchor and billing time; a pending change it replaces is
 * canceled. Answers the subscription the caller should see (Lago: the new one for an upgrade, the
 * current one, showing `next_plan_code`, for a downgrade).
 */
async function changePlan(deps: SubscriptionServiceDeps, organization: OrganizationRow, current: SubscriptionRow, plan: PlanRow, input: CreateSubscriptionInput): Promise<SubscriptionRow> {
  const { db } = deps;
  const currentPlan = (await findPlanById(db, organization.id, current.plan_id))!;
  const kind = planChangeKind(
    { interval: currentPlan.interval, amountCents: currentPlan.amount_cents },
    { interval: plan.interval, amountCents: plan.amount_cents },
  );
  const now = await deps.clock.now();
  const next = await db.transaction(async (trx) => {
    await trx('subscriptions')
      .where({ organization_id: organization.id, external_id: current.external_id, status: 'pending', previous_subscription_id: current.id })
      .update({ status: 'canceled', canceled_at: new Date(now), updated_at: trx.fn.now() });
    return insertSubscription(trx, {
      organization_id: organization.id,
      customer_id: current.customer_id,
      plan_id: plan.id,
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
    });
  });
  const customer = (await findCustomerById(db, current.customer_id))!;
  const terms = subscriptionTerms(next, plan, applicableTimezone(customer, organization));
  await deps.workflows.changePlan(organization.id, current.external_id, { kind, subscriptionId: next.id, planCode: plan.code, terms, atMs: now });
  if (kind === 'downgrade') {
    await recordSubscriptionEvent(db, { subscriptionId: current.id, webhookType: 'subscription.updated', idempotencyKey: `subscription.updated:downgrade:${next.id}` });
  }
  return (await findSubscriptionById(db, kind === 'upgrade' ? next.id : current.id))!;
}

/** `DELETE /subscriptions/:external_id`: terminates the active subscription (or cancels a pending one). */
export async function terminateSubscription(deps: SubscriptionServiceDeps, organization: OrganizationRow, externalId: string, status?: string): Promise<SubscriptionRow> {
  const subscription = await getSubscription(deps.db, organization.id, externalId, status === 'pending' ? 'pending' : 'active');
  if (subscription.previous_subscription_id && subscription.status === 'pending') {
    throw methodNotAllowed('cannot_cancel_pending_plan_change');
  }
  await deps.workflows.terminate(organization.id, externalId, await deps.clock.now());
  return (await findSubscriptionById(deps.db, subscription.id))!;
}

/** Marks a pending subscription active at its start (idempotent). */
export async function activateSubscription(db: Db, subscriptionId: string): Promise<void> {
  const subscription = await findSubscriptionById(db, subscriptionId);
  if (!subscription) throw new Error(`Subscription ${subscriptionId} does not exist`);
  if (subscription.status === 'pending') {
    await updateSubscription(db, subscriptionId, { status: 'active', started_at: subscription.subscription_at });
  }
  await recordSubscriptionEvent(db, { subscriptionId, webhookType: 'subscription.started' }); // webhook outbox, once
}

export async function getSubscription(db: Db, organizationId: string, externalId: string, status?: string): Promise<SubscriptionRow> {
  const allowed = ['active', 'pending', 'terminated', 'canceled'];
  const subscription = await findSubscriptionByExternalId(db, organizationId, externalId, (allowed.includes(status ?? '') ? status : 'active') as SubscriptionRow['status']);
  if (!subscription) throw notFound('subscription');
  return subscription;
}

export async function organizationFor(db: Db, organizationId: string): Promise<OrganizationRow> {
  const organization = await findOrganization(db, organizationId);
  if (!organization) throw new Error(`Organization ${organizationId} does not exist`);
  return organization;
}
