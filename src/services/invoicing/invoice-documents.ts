/**
 * Invoice documents: renders a finalized invoice's PDF, stores it, sets `invoices.file_path` and
 * records `invoice.generated` in one transaction. Idempotent by invoice: the file has a fixed key,
 * and a stored document is not rendered again unless asked to. Drafts have no document.
 */
import type { Db } from '../../db/knex';
import { feesOf, findInvoice, setInvoiceFilePath, type FeeRow, type InvoiceRow } from '../../db/invoices';
import { openReadMemo, remember } from '../../db/read-memo';
import { findOrganization, type OrganizationRow } from '../../db/organizations';
import { findCustomerById, type CustomerRow } from '../../db/customers';
import { findSubscriptionsByIds } from '../../db/subscriptions';
import { applicableTimezone } from '../../billing/subscription-terms';
import { defaultDocumentServices, type DocumentServices } from '../../documents';
import { invoiceDocumentKey, renderInvoicePdfBytes } from '../../documents/invoice-pdf';
import { paperSizeOf, type PaperSize } from '../../documents/invoice-view';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { logger } from '../../runtime/logger';
import { elapsedMs, monotonicMs } from '../../runtime/clock';
import { invalidField, methodNotAllowed, notFound } from '../../runtime/errors';
import { invoiceFeesKey, invoiceWebhookObject, presentInvoice } from './invoice-presenter';

/** Why a document cannot be rendered: the activity gives up on these rather than retry. */
export class DocumentError extends Error {
  constructor(readonly code: 'is_draft' | 'not_found', message: string) {
    super(message);
    this.name = 'DocumentError';
  }
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
  const read = await readForDocument(db, organization, invoice);
  const pdf = await renderRead(docs, organization, invoice, read);
  await docs.store.write(key, pdf);
  await db.transaction(async (trx) => {
    // It writes the invoice's file path and the outbox only: the webhook object reuses what the render read.
    openReadMemo(trx);
    remember(trx, `organization:${organization.id}`, organization);
    remember(trx, `customer:${read.customer.id}`, read.customer);
    remember(trx, invoiceFeesKey(invoice.id), read.fees);
    const updated = await setInvoiceFilePath(trx, invoice, key);
    await recordWebhookEvent(trx, {
      organizationId: invoice.organization_id,
      webhookType: 'invoice.generated',
      objectType: 'invoice',
      object: await invoiceWebhookObject(trx, updated, docs.publicUrl),
      idempotencyKey: `invoice.generated:${invoice.id}`,
    });
  });
  logger.info({ invoiceId: invoice.id, number: invoice.number, bytes: pdf.length, ms: Math.round(elapsedMs(started)) }, 'invoice document rendered');
  return { invoiceId: invoice.id, filePath: key, rendered: true };
}

interface DocumentRead {
  customer: CustomerRow;
  fees: FeeRow[];
  subscriptionNames: Map<string, string>;
}

/** What an invoice's document shows besides the invoice and its organization. */
async function readForDocument(db: Db, organization: OrganizationRow, invoice: InvoiceRow): Promise<DocumentRead> {
  const [customer, fees] = await Promise.all([findCustomerById(db, invoice.customer_id), feesOf(db, [invoice.id])]);
  if (!customer) throw new Error(`Invoice ${invoice.id} lost its customer`);
  const subscriptions = await findSubscriptionsByIds(db, organization.id, fees.map((fee) => fee.subscription_id).filter((id): id is string => Boolean(id)));
  return { customer, fees, subscriptionNames: new Map(subscriptions.map((s) => [s.id, s.name ? `${s.name} (${s.external_id})` : s.external_id])) };
}

function renderRead(docs: DocumentServices, organization: OrganizationRow, invoice: InvoiceRow, read: DocumentRead, paperSize?: PaperSize): Promise<Uint8Array> {
  return renderInvoicePdfBytes(docs, {
    invoice,
    fees: read.fees,
    organization,
    customer: read.customer,
    timezone: applicableTimezone(read.customer, organization),
    subscriptionNames: read.subscriptionNames,
    paperSize,
  });
}

/** The invoice with its PDF rendered first if needed (not found; 405 is_draft for a draft). */
async function documentedInvoice(db: Db, docs: DocumentServices, organizationId: string, id: string): Promise<InvoiceRow> {
  const invoice = await findInvoice(db, organizationId, id);
  if (!invoice) throw notFound('invoice');
  if (invoice.status === 'draft') throw methodNotAllowed('is_draft');
  await generateInvoicePdf(db, docs, { organizationId, invoiceId: invoice.id });
  return (await findInvoice(db, organizationId, invoice.id))!;
}

/** `POST /invoices/:id/download`: the invoice with its `file_url`, rendering the PDF first if needed. */
export async function downloadInvoice(db: Db, organization: OrganizationRow, id: string, options: { documents?: DocumentServices; publicUrl: string; nowMs?: number }) {
  const invoice = await documentedInvoice(db, options.documents ?? defaultDocumentServices(), organization.id, id);
  return presentInvoice(db, organization, invoice, { withFees: true, publicUrl: options.publicUrl, nowMs: options.nowMs });
}

/**
 * `GET /invoices/:id/pdf`: the stored PDF (rendered first if needed), or one rendered on the fly
 * on another paper size (`letter` or `a4`) than the organization's.
 */
export async function invoicePdf(
  db: Db, organization: OrganizationRow, id: string, options: { paperSize?: string; documents?: DocumentServices },
): Promise<{ pdf: Uint8Array; number: string }> {
  const requested = options.paperSize?.toLowerCase() ?? null;
  if (requested !== null && requested !== 'a4' && requested !== 'letter') throw invalidField('paper_size', 'value_is_invalid');
  const docs = options.documents ?? defaultDocumentServices();
  const invoice = await documentedInvoice(db, docs, organization.id, id);
  const pdf = requested !== null && paperSizeOf(organization, requested) !== paperSizeOf(organization)
    ? await renderRead(docs, organization, invoice, await readForDocument(db, organization, invoice), paperSizeOf(organization, requested))
    : await docs.store.read(invoice.file_path!);
  if (!pdf) throw notFound('invoice_document');
  return { pdf, number: invoice.number };
}
