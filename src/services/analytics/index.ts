/** Analytics: revenue metrics read from finalized invoices and fees. Uses no other domain. */
export { analytics, analyticsWindow, ANALYTICS_METRICS, type AnalyticsMetric, type AnalyticsQuery, type AnalyticsRows } from './analytics';
export type { GrossRevenueRow, InvoiceCollectionRow, InvoicedUsageRow, MrrRow, OverdueBalanceRow } from './analytics';
