/** `GET /customers/:external_id/invoices`: the invoices list, for one customer that must exist. */
import type { Db } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';
import type { Page } from '../../runtime/pagination';
import { getCustomer } from '../customers';
import { listInvoices, type InvoiceFilters } from './invoice-queries';

export async function listCustomerInvoices(
  db: Db, organization: OrganizationRow, externalCustomerId: string, filters: Omit<InvoiceFilters, 'externalCustomerId'>, page: Page, publicUrl: string, nowMs?: number,
): ReturnType<typeof listInvoices> {
  await getCustomer(db, organization.id, externalCustomerId);
  return listInvoices(db, organization, { ...filters, externalCustomerId }, page, publicUrl, nowMs);
}
