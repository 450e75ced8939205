/** `GET /customers/:external_id/subscriptions`: the subscriptions list, for one customer that must exist. */
import type { Db } from '../../db/knex';
import type { SubscriptionRow } from '../../db/subscriptions';
import type { Page, Paginated } from '../../runtime/pagination';
import { getCustomer } from '../customers';
import { listSubscriptions, type SubscriptionFilters } from './subscriptions';

export async function listCustomerSubscriptions(
  db: Db, organizationId: string, externalCustomerId: string, filters: Omit<SubscriptionFilters, 'externalCustomerId'>, page: Page,
): Promise<Paginated<SubscriptionRow>> {
  await getCustomer(db, organizationId, externalCustomerId);
  return listSubscriptions(db, organizationId, { ...filters, externalCustomerId }, page);
}
