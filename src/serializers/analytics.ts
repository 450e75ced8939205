/** Lago's analytics objects (GrossRevenueObject, InvoiceCollectionObject, …): months as ISO instants, cents as integers. */
import type { GrossRevenueRow, InvoiceCollectionRow, InvoicedUsageRow, MrrRow, OverdueBalanceRow } from '../db/analytics';
import { cents } from './common';

/** `2027-03-01` → `2027-03-01T00:00:00.000Z`, as Lago prints a month. */
const month = (date: string) => `${date}T00:00:00.000Z`;
const amount = (value: string) => cents(BigInt(value));

export const serializeGrossRevenue = (row: GrossRevenueRow) => ({
  month: month(row.month), amount_cents: amount(row.amount_cents), currency: row.currency, invoices_count: row.invoices_count,
});

export const serializeInvoiceCollection = (row: InvoiceCollectionRow) => ({
  month: month(row.month), payment_status: row.payment_status, invoices_count: row.invoices_count, amount_cents: amount(row.amount_cents), currency: row.currency,
});

export const serializeInvoicedUsage = (row: InvoicedUsageRow) => ({
  month: month(row.month), code: row.code, amount_cents: amount(row.amount_cents), currency: row.currency,
});

export const serializeMrr = (row: MrrRow) => ({ month: month(row.month), amount_cents: amount(row.amount_cents), currency: row.currency });

export const serializeOverdueBalance = (row: OverdueBalanceRow) => ({
  month: month(row.month), amount_cents: amount(row.amount_cents), currency: row.currency, lago_invoice_ids: row.lago_invoice_ids,
});
