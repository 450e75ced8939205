/**
 * Past usage (Lago's `GET /customers/:external_id/past_usage`): per closed period, newest first,
 * the usage fees actually billed (db/past-usage.ts says which), never recomputed from events, so
 * it matches the invoices to the cent whatever changed in the plan since.
 * - `external_subscription_id` is required (422); every subscription of the customer with that
 *   external id counts (a plan change keeps it); an unknown one has no periods;
 * - `billable_metric_code` narrows to one metric (`billable_metric_not_found` when unknown);
 * - `periods_count` keeps the N newest periods, then the page is cut from those;
 * - a period's `amount_cents` and `taxes_amount_cents` are the sums of its usage fees (its charges'
 *   lines add up to it, as in current usage), not the invoice's totals, which hold the base fee too.
 */
import type { Db } from '../../db/knex';
import { findBillableMetricByCode } from '../../db/billable-metrics';
import { usageFeesOfPeriods, usagePeriodsPage, type UsageFeeRow, type UsagePeriodRow } from '../../db/past-usage';
import { notFound } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { getCustomer } from '../customers';

export type { UsageFeeRow, UsagePeriodRow };

export interface PastUsageInput {
  externalSubscriptionId: string;
  billableMetricCode?: string;
  periodsCount?: number;
}

/** A closed period with the usage fees billed for it. */
export interface PastUsagePeriod {
  period: UsagePeriodRow;
  fees: UsageFeeRow[];
}

export async function pastUsage(db: Db, organizationId: string, externalCustomerId: string, input: PastUsageInput, page: Page): Promise<Paginated<PastUsagePeriod>> {
  const customer = await getCustomer(db, organizationId, externalCustomerId);
  let metricId: string | undefined;
  if (input.billableMetricCode !== undefined) {
    const metric = await findBillableMetricByCode(db, organizationId, input.billableMetricCode);
    if (!metric) throw notFound('billable_metric');
    metricId = metric.id;
  }
  const { rows, meta } = await usagePeriodsPage(db, organizationId, customer.id, input.externalSubscriptionId, input.periodsCount, page);
  const fees = await usageFeesOfPeriods(db, organizationId, rows, metricId);
  return { rows: rows.map((period, index) => ({ period, fees: fees.filter((fee) => fee.period_index === index) })), meta };
}
