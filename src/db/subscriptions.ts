/** Subscriptions: a customer on a plan, identified by the customer's own external id. */
import type { Knex } from 'knex';
import type { Conn, Db, Tx } from './knex';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';
import type { BillingTime } from '../billing/types';

export type SubscriptionStatus = 'pending' | 'active' | 'terminated' | 'canceled';

export interface SubscriptionRow {
  id: string;
  organization_id: string;
  customer_id: string;
  plan_id: string;
  external_id: string;
  name: string | null;
  status: SubscriptionStatus;
  billing_time: BillingTime;
  subscription_at: Date;
  started_at: Date | null;
  trial_ended_at: Date | null;
  ending_at: Date | null;
  terminated_at: Date | null;
  canceled_at: Date | null;
  previous_subscription_id: string | null;
  on_termination_credit_note: string | null;
  on_termination_invoice: string;
  workflow_id: string;
  /** Descriptive, shown back as sent. */
  purchase_order_number: string | null;
  /** Lago's switch: false bills the subscription on its own invoice, never on its customer's consolidated one. */
  consolidate_invoice: boolean;
  /** Lago's switch: true bills no progressive invoice whatever the thresholds (migration 023). */
  progressive_billing_disabled?: boolean;
  created_at: Date;
  updated_at: Date;
}

export function subscriptionsOf(db: Db | Knex.Transaction, organizationId: string) {
  return db<SubscriptionRow>('subscriptions').where({ organization_id: organizationId });
}

export async function findSubscriptionByExternalId(
  db: Db | Knex.Transaction,
  organizationId: string,
  externalId: string,
  status: SubscriptionStatus = 'active',
): Promise<SubscriptionRow | undefined> {
  return subscriptionsOf(db, organizationId).where({ external_id: externalId, status }).orderBy('created_at', 'desc').first();
}

export async function findSubscriptionById(db: Db | Knex.Transaction, id: string): Promise<SubscriptionRow | undefined> {
  return db<SubscriptionRow>('subscriptions').where({ id }).first();
}

export async function insertSubscription(
  db: Db | Knex.Transaction,
  row: Omit<SubscriptionRow, 'id' | 'created_at' | 'updated_at' | 'on_termination_invoice' | 'purchase_order_number' | 'consolidate_invoice'>
    & { on_termination_invoice?: string; purchase_order_number?: string | null; consolidate_invoice?: boolean },
): Promise<SubscriptionRow> {
  const [inserted] = await db<SubscriptionRow>('subscriptions').insert(row as never).returning('*');
  return inserted!;
}

export async function updateSubscription(db: Db | Knex.Transaction, id: string, fields: Partial<SubscriptionRow>): Promise<SubscriptionRow> {
  const [updated] = await db<SubscriptionRow>('subscriptions').where({ id }).update({ ...fields, updated_at: db.fn.now() } as never).returning('*');
  return updated!;
}

/** Whether a subscription was replaced by another (an upgrade or downgrade created its successor). */
export async function hasSuccessor(db: Db | Knex.Transaction, subscriptionId: string): Promise<boolean> {
  return (await db('subscriptions').where({ previous_subscription_id: subscriptionId }).first('id')) !== undefined;
}

/** The customer's active subscription with this external id. */
export async function findActiveSubscriptionOfCustomer(db: Db | Knex.Transaction, organizationId: string, customerId: string, externalId: string): Promise<SubscriptionRow | undefined> {
  return db<SubscriptionRow>('subscriptions').where({ organization_id: organizationId, customer_id: customerId, external_id: externalId, status: 'active' }).first();
}

/** The organization's subscriptions with these ids, whole, in no particular order. */
export async function findSubscriptionRowsByIds(db: Conn, organizationId: string, ids: readonly string[]): Promise<SubscriptionRow[]> {
  if (ids.length === 0) return [];
  return db<SubscriptionRow>('subscriptions').where({ organization_id: organizationId }).whereIn('id', [...new Set(ids)]);
}

/** Names of the subscriptions with these ids (for document fee lines). */
export async function findSubscriptionsByIds(db: Db | Knex.Transaction, organizationId: string, ids: readonly string[]): Promise<Pick<SubscriptionRow, 'id' | 'name' | 'external_id'>[]> {
  if (ids.length === 0) return [];
  return db<SubscriptionRow>('subscriptions').where({ organization_id: organizationId }).whereIn('id', [...new Set(ids)]).select('id', 'name', 'external_id');
}

/** Ends the subscription at `atMs`, once: true when it was not terminated yet. */
export async function markSubscriptionTerminated(trx: Tx, id: string, atMs: number): Promise<boolean> {
  return (await trx('subscriptions').where({ id }).whereNot({ status: 'terminated' })
    .update({ status: 'terminated', terminated_at: new Date(atMs), updated_at: trx.fn.now() })) > 0;
}

/** Records the end of the trial of an active subscription, once: true when it was not recorded yet. */
export async function markTrialEnded(trx: Tx, id: string, atMs: number): Promise<boolean> {
  return (await trx('subscriptions').where({ id }).whereNull('trial_ended_at')
    .update({ trial_ended_at: new Date(atMs), updated_at: trx.fn.now() })) > 0;
}

/** The pending (not started) and active subscriptions of a customer, oldest first. */
export async function liveSubscriptionsOfCustomer(db: Conn, customerId: string): Promise<SubscriptionRow[]> {
  return db<SubscriptionRow>('subscriptions').where({ customer_id: customerId }).whereIn('status', ['pending', 'active']).orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

/** The pending successor of a subscription (a plan change waiting for its date), if any. */
export async function findPendingSuccessor(db: Conn, subscriptionId: string): Promise<SubscriptionRow | undefined> {
  return db<SubscriptionRow>('subscriptions').where({ previous_subscription_id: subscriptionId, status: 'pending' }).orderBy('created_at', 'desc').first();
}

/** Which of these subscriptions have a pending successor (a plan change waiting for its date). */
export async function subscriptionsWithPendingSuccessor(db: Conn, subscriptionIds: readonly string[]): Promise<Set<string>> {
  if (subscriptionIds.length === 0) return new Set();
  const rows = await db('subscriptions').whereIn('previous_subscription_id', subscriptionIds).where({ status: 'pending' })
    .select<{ previous_subscription_id: string }[]>('previous_subscription_id');
  return new Set(rows.map((row) => row.previous_subscription_id));
}

/** The pending (not started, or a plan change waiting for its date) and active subscriptions on a plan or on its children (overrides), oldest first. */
export async function liveSubscriptionsOfPlan(db: Conn, planId: string): Promise<SubscriptionRow[]> {
  return db<SubscriptionRow>('subscriptions')
    .where((q) => q.where({ plan_id: planId }).orWhereIn('plan_id', db('plans').select('id').where({ parent_id: planId })))
    .whereIn('status', ['pending', 'active']).orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

/** Cancels a subscription that has not started, once: true when it was pending. */
export async function cancelPendingSubscription(trx: Tx, id: string, atMs: number): Promise<boolean> {
  return (await trx('subscriptions').where({ id, status: 'pending' })
    .update({ status: 'canceled', canceled_at: new Date(atMs), updated_at: trx.fn.now() })) > 0;
}

/** Starts a pending subscription at `startedAtMs`, once: true when it was pending. */
export async function activatePendingSubscription(trx: Conn, id: string, startedAtMs: number): Promise<boolean> {
  return (await trx('subscriptions').where({ id, status: 'pending' })
    .update({ status: 'active', started_at: new Date(startedAtMs), updated_at: trx.fn.now() })) > 0;
}

/** The pending successors (plan changes not yet applied) of a subscription, canceled. */
export async function cancelPendingSuccessors(trx: Tx, organizationId: string, subscription: Pick<SubscriptionRow, 'id' | 'external_id'>, atMs: number): Promise<void> {
  await trx('subscriptions')
    .where({ organization_id: organizationId, external_id: subscription.external_id, status: 'pending', previous_subscription_id: subscription.id })
    .update({ status: 'canceled', canceled_at: new Date(atMs), updated_at: trx.fn.now() });
}

/** What a plan change did to a subscription: the plan it came from, and the plan of a pending successor. */
export async function planChangeCodes(db: Conn, subscription: Pick<SubscriptionRow, 'id' | 'previous_subscription_id'>): Promise<{ previousPlanCode: string | null; pendingPlanCode: string | null }> {
  const previous = subscription.previous_subscription_id
    ? await db('subscriptions').join('plans', 'plans.id', 'subscriptions.plan_id').where('subscriptions.id', subscription.previous_subscription_id).first('plans.code')
    : undefined;
  const pending = await db('subscriptions').join('plans', 'plans.id', 'subscriptions.plan_id')
    .where({ 'subscriptions.previous_subscription_id': subscription.id, 'subscriptions.status': 'pending' })
    .first('plans.code');
  return { previousPlanCode: (previous?.code as string | undefined) ?? null, pendingPlanCode: (pending?.code as string | undefined) ?? null };
}

/** `planChangeCodes` of several subscriptions in two statements at most (by subscription id). */
export async function planChangeCodesOf(
  db: Conn, subscriptions: readonly Pick<SubscriptionRow, 'id' | 'previous_subscription_id'>[],
): Promise<Map<string, { previousPlanCode: string | null; pendingPlanCode: string | null }>> {
  const previousIds = [...new Set(subscriptions.flatMap((row) => (row.previous_subscription_id ? [row.previous_subscription_id] : [])))];
  const ids = [...new Set(subscriptions.map((row) => row.id))];
  const [previous, pending] = await Promise.all([
    previousIds.length === 0 ? [] : db('subscriptions').join('plans', 'plans.id', 'subscriptions.plan_id')
      .whereIn('subscriptions.id', previousIds).select('subscriptions.id as id', 'plans.code as code') as Promise<{ id: string; code: string }[]>,
    ids.length === 0 ? [] : db('subscriptions').join('plans', 'plans.id', 'subscriptions.plan_id')
      .whereIn('subscriptions.previous_subscription_id', ids).where({ 'subscriptions.status': 'pending' })
      .select('subscriptions.previous_subscription_id as id', 'plans.code as code') as Promise<{ id: string; code: string }[]>,
  ]);
  const previousCodes = new Map(previous.map((row) => [row.id, row.code]));
  const pendingCodes = new Map<string, string>();
  for (const row of pending) if (!pendingCodes.has(row.id)) pendingCodes.set(row.id, row.code);
  return new Map(subscriptions.map((row) => [row.id, {
    previousPlanCode: (row.previous_subscription_id ? previousCodes.get(row.previous_subscription_id) : undefined) ?? null,
    pendingPlanCode: pendingCodes.get(row.id) ?? null,
  }]));
}

export interface SubscriptionListFilters {
  statuses: SubscriptionStatus[];
  externalCustomerId?: string;
  planCode?: string;
}

/** One page of the organization's subscriptions, newest first. */
export async function subscriptionsPage(db: Db, organizationId: string, filters: SubscriptionListFilters, page: Page): Promise<Paginated<SubscriptionRow>> {
  let query = subscriptionsOf(db, organizationId).whereIn('status', filters.statuses).orderBy('created_at', 'desc');
  if (filters.externalCustomerId !== undefined) {
    query = query.whereIn('customer_id', db('customers').select('id').where({ organization_id: organizationId, external_id: filters.externalCustomerId }));
  }
  if (filters.planCode !== undefined) {
    query = query.whereIn('plan_id', db('plans').select('id').where({ organization_id: organizationId, code: filters.planCode }));
  }
  return paginate<SubscriptionRow>(query, page);
}
