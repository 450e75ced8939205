/** Whom an event is stored for: the active subscription of its external id, and its customer. */
import type { Db } from './knex';
import type { BillingTime, Interval } from '../billing/types';
import { PROGRESSIVE_BILLING_SQL } from './usage-thresholds';

export interface EventOwnerRow {
  /** The subscription's id. */
  id: string;
  external_id: string;
  customer_id: string;
  /** Metrics with a live pay-in-advance charge in the subscription's plan. */
  in_advance_metric_ids: string[];
  /** What the subscription's periods follow (billing/subscription-terms.ts): to tell late events. */
  billing_time: BillingTime;
  subscription_at: Date;
  started_at: Date | null;
  ending_at: Date | null;
  interval: Interval;
  pay_in_advance: boolean;
  bill_charges_monthly: boolean | null;
  trial_period: string | null;
  /** The customer's timezone, else the organization's. */
  timezone: string;
  /** Usage thresholds apply to it and progressive billing is not disabled (migration 023). */
  progressive_billing: boolean;
}

/** The organization's active subscriptions among `externalIds` (any subset may exist). */
export async function findEventOwners(db: Db, organizationId: string, externalIds: readonly string[]): Promise<EventOwnerRow[]> {
  return db('subscriptions as s')
    .join('plans as p', 'p.id', 's.plan_id')
    .join('customers as c', 'c.id', 's.customer_id')
    .join('organizations as o', 'o.id', 's.organization_id')
    .where({ 's.organization_id': organizationId, 's.status': 'active' })
    .whereIn('s.external_id', externalIds as string[])
    .select<EventOwnerRow[]>(
      's.id',
      's.external_id',
      's.customer_id',
      's.billing_time',
      's.subscription_at',
      's.started_at',
      's.ending_at',
      'p.interval',
      'p.pay_in_advance',
      'p.bill_charges_monthly',
      'p.trial_period',
      db.raw("COALESCE(c.timezone, o.timezone, 'UTC') AS timezone"),
      db.raw(
        'ARRAY(SELECT c.billable_metric_id::text FROM charges c WHERE c.plan_id = s.plan_id AND c.pay_in_advance AND c.deleted_at IS NULL) AS in_advance_metric_ids',
      ),
      db.raw(`${PROGRESSIVE_BILLING_SQL} AS progressive_billing`),
    );
}
