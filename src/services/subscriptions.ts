/** Creating, activating and reading subscriptions; each one lives on as a workflow. */
import type { Db } from '../db/knex';
import type { Clock } from '../runtime/clock';
import { findCustomerById, upsertCustomer } from '../db/customers';
import { findOrganization, type OrganizationRow } from '../db/organizations';
import { findPlanByCode, findPlanById } from '../db/plans';
import {
  findSubscriptionByExternalId, findSubscriptionById, insertSubscription, updateSubscription, type SubscriptionRow,
} from '../db/subscriptions';
import { invalidField, notFound } from '../api/errors';
import type { CreateSubscriptionInput } from '../api/schemas/subscriptions';
import type { SubscriptionWorkflows } from './subscription-workflows';
import { applicableTimezone, subscriptionTerms } from './subscription-terms';
import { subscriptionWorkflowId } from '../workflows/ids';
import { isUniqueViolation } from './errors';

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
    throw invalidField('plan_code', 'plan_change_not_supported_yet');
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

/** Marks a pending subscription active at its start (idempotent). */
export async function activateSubscription(db: Db, subscriptionId: string): Promise<void> {
  const subscription = await findSubscriptionById(db, subscriptionId);
  if (!subscription) throw new Error(`Subscription ${subscriptionId} does not exist`);
  if (subscription.status === 'pending') {
    await updateSubscription(db, subscriptionId, { status: 'active', started_at: subscription.subscription_at });
  }
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
