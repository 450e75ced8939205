/**
 * Renders a finalized invoice to PDF, stores it, sets `invoices.file_path` and records the
 * `invoice.generated` webhook in the same transaction. Idempotent by invoice: the file has a
 * fixed key, and a stored document is not rendered again unless asked to.
 */
import type { Db } from '../db/knex';
import { feesOf, findInvoice, type InvoiceRow } from '../db/invoices';
import { findOrganization, type OrganizationRow } from '../db/organizations';
import { findCustomerById } from '../db/customers';
import { applicableTimezone } from '../billing/subscription-terms';
import { invoiceWebhookObject } from '../services/invoicing/invoice-view';
import { recordWebhookEvent } from '../webhooks/outbox';
import { logger } from '../runtime/logger';
import type { DocumentServices } from './index';
import { buildInvoiceView, paperSizeOf, type DocumentView, type PaperSize } from './invoice-view';
import { pageFooterHtml, renderDocumentHtml } from './invoice-template';
import { elapsedMs, monotonicMs } from '../runtime/clock';

export class DocumentError extends Error {
  constructor(readonly code: 'is_draft' | 'not_found', message: string) {
    super(message);
    this.name = 'DocumentError';
  }
}

export const invoiceDocumentKey = (invoice: Pick<InvoiceRow, 'organization_id' | 'id'>) => `invoices/${invoice.organization_id}/${invoice.id}.pdf`;

type OrganizationWithPaper = OrganizationRow & { document_paper_size?: string | null };

/** Everything the document prints, loaded and formatted. */
export async function invoiceDocumentView(db: Db, docs: DocumentServices, organization: OrganizationWithPaper, invoice: InvoiceRow, paperSize?: PaperSize): Promise<DocumentView> {
  const [customer, fees] = await Promise.all([findCustomerById(db, invoice.customer_id), feesOf(db, [invoice.id])]);
  if (!customer) throw new Error(`Invoice ${invoice.id} lost its customer`);
  const subscriptionIds = [...new Set(fees.map((fee) => fee.subscription_id).filter((id): id is string => Boolean(id)))];
  const subscriptions = subscriptionIds.length
    ? await db('subscriptions').where({ organization_id: organization.id }).whereIn('id', subscriptionIds).select<{ id: string; name: string | null; external_id: string }[]>('id', 'name', 'external_id')
    : [];
  const logo = organization.logo_url ? await (docs.fetchLogo ?? (async () => null))(organization.logo_url) : null;
  return buildInvoiceView({
    invoice,
    fees,
    organization,
    customer,
    timezone: applicableTimezone(customer, organization),
    subscriptionNames: new Map(subscriptions.map((s) => [s.id, s.name ? `${s.name} (${s.external_id})` : s.external_id])),
    logo,
    paperSize: paperSize ?? paperSizeOf(organization),
  });
}

export async function renderInvoicePdfBytes(db: Db, docs: DocumentServices, organization: OrganizationRow, invoice: InvoiceRow, paperSize?: PaperSize): Promise<Uint8Array> {
  const view = await invoiceDocumentView(db, docs, organization, invoice, paperSize);
  return docs.renderer.render(renderDocumentHtml(view), { paperSize: view.paperSize, footerHtml: pageFooterHtml(view) });
}

export interface GeneratedDocument {
  invoiceId: string;
  filePath: string;
  rendered: boolean;
}

/** Renders and stores the invoice's PDF (drafts are refused) and records `invoice.generated`. */
export async function generateInvoicePdf(db: Db, docs: DocumentServices, input: { organizationId: string; invoiceId: string; force?: boolean }): Promise<GeneratedDocument> {
  const invoice = await findInvoice(db, input.organizationId, input.invoiceId);
  if (!invoice) throw new DocumentError('not_found', `Invoice ${input.invoiceId} does not exist`);
  if (invoice.status === 'draft') throw new DocumentError('is_draft', `Invoice ${invoice.id} is a draft: its document is rendered at finalization`);
  const key = invoiceDocumentKey(invoice);
  if (!input.force && invoice.file_path === key && (await docs.store.exists(key))) {
    return { invoiceId: invoice.id, filePath: key, rendered: false };
  }
  const organization = await findOrganization(db, invoice.organization_id);
  if (!organization) throw new Error(`Organization ${invoice.organization_id} does not exist`);
  const started = monotonicMs();
  const pdf = await renderInvoicePdfBytes(db, docs, organization, invoice);
  await docs.store.write(key, pdf);
  await db.transaction(async (trx) => {
    const [updated] = await trx<InvoiceRow>('invoices')
      .where({ organization_id: invoice.organization_id, id: invoice.id })
      .update({ file_path: key, updated_at: trx.fn.now() } as never)
      .returning('*');
    await recordWebhookEvent(trx, {
      organizationId: invoice.organization_id,
      webhookType: 'invoice.generated',
      objectType: 'invoice',
      object: await invoiceWebhookObject(trx, updated!, docs.publicUrl),
      idempotencyKey: `invoice.generated:${invoice.id}`,
    });
  });
  logger.info({ invoiceId: invoice.id, number: invoice.number, bytes: pdf.length, ms: Math.round(elapsedMs(started)) }, 'invoice document rendered');
  return { invoiceId: invoice.id, filePath: key, rendered: true };
}
