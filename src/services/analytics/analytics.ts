/**
 * Revenue analytics (Lago's `/analytics/gross_revenue`, `invoice_collection`, `invoiced_usage`,
 * `mrr`, `overdue_balance`): the window of months, the customer filter, and the SQL of
 * db/analytics.ts. The rules of each metric are in this folder's README.
 */
import type { Db } from '../../db/knex';
import {
  grossRevenue, invoiceCollection, invoicedUsage, mrr, overdueBalance,
  type AnalyticsScope, type GrossRevenueRow, type InvoiceCollectionRow, type InvoicedUsageRow, type MrrRow, type OverdueBalanceRow,
} from '../../db/analytics';
import { findCustomerByExternalId } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import { addMonthsOnDay, localDateOf } from '../../billing/calendar';
import { notFound } from '../../runtime/errors';

export type { GrossRevenueRow, InvoiceCollectionRow, InvoicedUsageRow, MrrRow, OverdueBalanceRow };

export interface AnalyticsQuery {
  /** ISO 4217, upper case. */
  currency?: string;
  /** The last N calendar months, the current one included (0 and 1: the current month only). */
  months?: number;
  externalCustomerId?: string;
}

export const ANALYTICS_METRICS = ['gross_revenue', 'invoice_collection', 'invoiced_usage', 'mrr', 'overdue_balance'] as const;
export type AnalyticsMetric = (typeof ANALYTICS_METRICS)[number];

export interface AnalyticsRows {
  gross_revenue: GrossRevenueRow[];
  invoice_collection: InvoiceCollectionRow[];
  invoiced_usage: InvoicedUsageRow[];
  mrr: MrrRow[];
  overdue_balance: OverdueBalanceRow[];
}

const firstOfMonth = (date: string) => `${date.slice(0, 7)}-01`;

/**
 * The months shown: up to the current one (today in the organization's timezone); from `months − 1`
 * months before it, or, without `months`, from the month the organization was created (Lago).
 */
export function analyticsWindow(organization: Pick<OrganizationRow, 'timezone' | 'created_at'>, nowMs: number, months?: number): { fromMonth: string; toMonth: string } {
  const toMonth = firstOfMonth(localDateOf(nowMs, organization.timezone));
  if (months !== undefined) return { fromMonth: addMonthsOnDay(toMonth, -(Math.max(months, 1) - 1), 1), toMonth };
  const created = firstOfMonth(localDateOf(organization.created_at.getTime(), organization.timezone));
  return { fromMonth: created < toMonth ? created : toMonth, toMonth };
}

export async function analytics<M extends AnalyticsMetric>(
  db: Db, organization: OrganizationRow, metric: M, query: AnalyticsQuery, nowMs: number,
): Promise<AnalyticsRows[M]> {
  let customerId: string | undefined;
  if (query.externalCustomerId !== undefined) {
    const customer = await findCustomerByExternalId(db, organization.id, query.externalCustomerId);
    if (!customer) throw notFound('customer');
    customerId = customer.id;
  }
  const scope: AnalyticsScope = { organizationId: organization.id, ...analyticsWindow(organization, nowMs, query.months), customerId, currency: query.currency };
  const compute: { [K in AnalyticsMetric]: () => Promise<AnalyticsRows[K]> } = {
    gross_revenue: () => grossRevenue(db, scope),
    invoice_collection: () => invoiceCollection(db, scope),
    invoiced_usage: () => invoicedUsage(db, scope),
    mrr: () => mrr(db, scope),
    overdue_balance: () => overdueBalance(db, scope, nowMs),
  };
  return compute[metric]();
}
