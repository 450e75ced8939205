/** Subscriptions: a customer on a plan, identified by the customer's own external id. */
import type { Knex } from 'knex';
import type { Db } from './knex';
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

export async function insertSubscription(db: Db | Knex.Transaction, row: Omit<SubscriptionRow, 'id' | 'created_at' | 'updated_at' | 'on_termination_invoice'> & { on_termination_invoice?: string }): Promise<SubscriptionRow> {
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
