/** Lago's analytics objects (GrossRevenueObject, InvoiceCollectionObject, …): months as ISO instants, cents as integers. */
import { z } from 'zod';
import type { GrossRevenueRow, InvoiceCollectionRow, InvoicedUsageRow, MrrRow, OverdueBalanceRow } from '../db/analytics';
import { cents, responseSchemas, wire } from './common';

/** `2027-03-01` → `2027-03-01T00:00:00.000Z`, as Lago prints a month. */
const month = (date: string) => `${date}T00:00:00.000Z`;
const amount = (value: string) => cents(BigInt(value));

export const grossRevenueSchema = z.object({
  month: wire.dateTime, amount_cents: wire.cents, currency: wire.currency, invoices_count: z.number().int(),
}).register(responseSchemas, { id: 'GrossRevenue' });

export const invoiceCollectionSchema = z.object({
  month: wire.dateTime, payment_status: z.enum(['pending', 'succeeded', 'failed']), invoices_count: z.number().int(), amount_cents: wire.cents, currency: wire.currency,
}).register(responseSchemas, { id: 'InvoiceCollection' });

export const invoicedUsageSchema = z.object({
  month: wire.dateTime, code: z.string(), amount_cents: wire.cents, currency: wire.currency,
}).register(responseSchemas, { id: 'InvoicedUsage' });

export const mrrSchema = z.object({ month: wire.dateTime, amount_cents: wire.cents, currency: wire.currency })
  .register(responseSchemas, { id: 'Mrr' });

export const overdueBalanceSchema = z.object({
  month: wire.dateTime, amount_cents: wire.cents, currency: wire.currency, lago_invoice_ids: z.array(wire.uuid),
}).register(responseSchemas, { id: 'OverdueBalance' });

export const serializeGrossRevenue = (row: GrossRevenueRow): z.output<typeof grossRevenueSchema> => ({
  month: month(row.month), amount_cents: amount(row.amount_cents), currency: row.currency, invoices_count: row.invoices_count,
});

export const serializeInvoiceCollection = (row: InvoiceCollectionRow): z.output<typeof invoiceCollectionSchema> => ({
  month: month(row.month), payment_status: row.payment_status as z.output<typeof invoiceCollectionSchema>['payment_status'],
  invoices_count: row.invoices_count, amount_cents: amount(row.amount_cents), currency: row.currency,
});

export const serializeInvoicedUsage = (row: InvoicedUsageRow): z.output<typeof invoicedUsageSchema> => ({
  month: month(row.month), code: row.code, amount_cents: amount(row.amount_cents), currency: row.currency,
});

export const serializeMrr = (row: MrrRow): z.output<typeof mrrSchema> => ({ month: month(row.month), amount_cents: amount(row.amount_cents), currency: row.currency });

export const serializeOverdueBalance = (row: OverdueBalanceRow): z.output<typeof overdueBalanceSchema> => ({
  month: month(row.month), amount_cents: amount(row.amount_cents), currency: row.currency, lago_invoice_ids: row.lago_invoice_ids,
});
