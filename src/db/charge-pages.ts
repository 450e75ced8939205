/** A plan's live charges one page at a time (Lago's `GET /plans/:code/charges`), newest first. */
import type { Conn } from './knex';
import type { ChargeWithMetric } from './charges';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';

export async function liveChargesPage(db: Conn, organizationId: string, planId: string, page: Page): Promise<Paginated<ChargeWithMetric>> {
  const query = db('charges')
    .join('billable_metrics', 'billable_metrics.id', 'charges.billable_metric_id')
    .where({ 'charges.organization_id': organizationId, 'charges.plan_id': planId })
    .whereNull('charges.deleted_at')
    .orderBy([{ column: 'charges.created_at', order: 'desc' }, { column: 'charges.id', order: 'desc' }])
    .select('charges.*', 'billable_metrics.code as billable_metric_code');
  return paginate<ChargeWithMetric>(query, page);
}
