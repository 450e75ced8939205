/** Whom an event is stored for: the active subscription of its external id, and its customer. */
import type { Db } from './knex';

export interface EventOwnerRow {
  /** The subscription's id. */
  id: string;
  external_id: string;
  customer_id: string;
  /** Metrics with a live pay-in-advance charge in the subscription's plan. */
  in_advance_metric_ids: string[];
}

/** The organization's active subscriptions among `externalIds` (any subset may exist). */
export async function findEventOwners(db: Db, organizationId: string, externalIds: readonly string[]): Promise<EventOwnerRow[]> {
  return db('subscriptions as s')
    .where({ 's.organization_id': organizationId, 's.status': 'active' })
    .whereIn('s.external_id', externalIds as string[])
    .select<EventOwnerRow[]>(
      's.id',
      's.external_id',
      's.customer_id',
      db.raw(
        'ARRAY(SELECT c.billable_metric_id::text FROM charges c WHERE c.plan_id = s.plan_id AND c.pay_in_advance AND c.deleted_at IS NULL) AS in_advance_metric_ids',
      ),
    );
}
