/** Reading invoices as the API shows them: drafts, finalized, voided (never deleted ones). */
import type { Db } from '../../db/knex';
import { findInvoice, invoicesPage, type InvoiceListFilters, type InvoiceRow } from '../../db/invoices';
import type { OrganizationRow } from '../../db/organizations';
import { isUuid, notFound } from '../../runtime/errors';
import type { Page, Meta } from '../../runtime/pagination';
import { VISIBLE_INVOICE_STATUSES } from './invoice-actions';
import { presentInvoice } from './invoice-presenter';

export const INVOICE_TYPES = ['subscription', 'add_on', 'credit', 'one_off', 'advance_charges', 'progressive_billing'] as const;

export type InvoiceFilters = Omit<InvoiceListFilters, 'statuses'> & { statuses?: string[] };

/** An invoice the API can see (not found: unknown, another organization's, or deleted). */
export async function getInvoice(db: Db, organizationId: string, id: string): Promise<InvoiceRow> {
  const invoice = isUuid(id) ? await findInvoice(db, organizationId, id) : undefined;
  if (!invoice || !(VISIBLE_INVOICE_STATUSES as readonly string[]).includes(invoice.status)) throw notFound('invoice');
  return invoice;
}

/** One page of the organization's invoices, newest first, each as the API shows it. */
export async function listInvoices(
  db: Db, organization: OrganizationRow, filters: InvoiceFilters, page: Page, publicUrl: string, nowMs?: number,
): Promise<{ invoices: Awaited<ReturnType<typeof presentInvoice>>[]; meta: Meta }> {
  const { rows, meta } = await invoicesPage(db, organization.id, { ...filters, statuses: filters.statuses ?? [...VISIBLE_INVOICE_STATUSES] }, page);
  return { invoices: await Promise.all(rows.map((row) => presentInvoice(db, organization, row, { withFees: true, publicUrl, nowMs }))), meta };
}
