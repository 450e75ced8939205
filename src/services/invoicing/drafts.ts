/**
 * Draft invoices within their grace period (reference/lago-api.md §6): refreshed (computed again,
 * late events included) and finalized. A subscription's draft is computed again from the occasion
 * stored with it, through the same code that wrote it first (subscription-invoices.ts); finalizing
 * is that computation written as finalized, with its numbers, its draws and `invoice.created` in
 * one transaction. Both are idempotent: a draft already finalized (or deleted) is returned as it
 * is, so the workflow's timer, an API call and a retry never finalize twice.
 */
import type { Db } from '../../db/knex';
import { findInvoice, type InvoiceRow } from '../../db/invoices';
import { findCustomerById } from '../../db/customers';
import { findOrganization } from '../../db/organizations';
import { finalizeDraftAsItStands } from './invoice-writer';
import { writeSubscriptionInvoice, type InvoiceOccasion } from './subscription-invoices';

/** The occasion a subscription draft was computed for, or null for a draft with nothing behind it to compute again. */
function occasionOf(invoice: InvoiceRow): InvoiceOccasion | null {
  const occasion = invoice.occasion as InvoiceOccasion | null | undefined;
  return occasion && typeof occasion === 'object' && typeof occasion.kind === 'string' ? occasion : null;
}

async function reread(db: Db, invoice: InvoiceRow): Promise<InvoiceRow> {
  return (await findInvoice(db, invoice.organization_id, invoice.id)) ?? invoice;
}

/** A subscription draft computed again (events that arrived since included); any other invoice as it is. */
export async function refreshDraftInvoice(db: Db, invoice: InvoiceRow): Promise<InvoiceRow> {
  const occasion = occasionOf(invoice);
  if (invoice.status !== 'draft' || !occasion) return invoice;
  await writeSubscriptionInvoice(db, occasion, { kind: 'refresh', draft: invoice });
  return reread(db, invoice);
}

/**
 * A draft finalized at `atMs` (its issuing date is that day in the customer's timezone, as Lago's
 * RefreshDraftAndFinalizeService dates it): computed again when it is a subscription's, then
 * numbered, drawn and announced. Anything but a draft is returned as it is.
 */
export async function finalizeDraftInvoice(db: Db, invoice: InvoiceRow, atMs: number): Promise<InvoiceRow> {
  if (invoice.status !== 'draft') return invoice;
  const occasion = occasionOf(invoice);
  if (occasion) {
    await writeSubscriptionInvoice(db, occasion, { kind: 'finalize', draft: invoice, atMs });
    return reread(db, invoice);
  }
  const [organization, customer] = await Promise.all([findOrganization(db, invoice.organization_id), findCustomerById(db, invoice.customer_id)]);
  if (!organization || !customer) throw new Error(`Invoice ${invoice.id} lost its organization or customer`);
  return finalizeDraftAsItStands(db, invoice, organization, customer);
}

/** What the subscription workflow's activities call: by id, within the invoice's organization. */
export async function refreshDraftById(db: Db, organizationId: string, invoiceId: string): Promise<InvoiceRow | null> {
  const invoice = await findInvoice(db, organizationId, invoiceId);
  return invoice ? refreshDraftInvoice(db, invoice) : null;
}

export async function finalizeDraftById(db: Db, organizationId: string, invoiceId: string, atMs: number): Promise<InvoiceRow | null> {
  const invoice = await findInvoice(db, organizationId, invoiceId);
  return invoice ? finalizeDraftInvoice(db, invoice, atMs) : null;
}
