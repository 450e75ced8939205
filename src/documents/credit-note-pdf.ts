/**
 * Renders a credit note to PDF, stores it, sets `credit_notes.file_path` and records
 * `credit_note.generated` in one transaction. Idempotent like invoices: a fixed key per note.
 */
import type { Db } from '../db/knex';
import type { FeeRow, InvoiceRow } from '../db/invoices';
import { findCreditNote, itemsOfCreditNotes, type CreditNoteRow } from '../db/credit-notes';
import { findOrganization, type OrganizationRow } from '../db/organizations';
import { findCustomerById } from '../db/customers';
import { present as presentCreditNote } from '../api/routes/credit-notes';
import { recordWebhookEvent } from '../webhooks/outbox';
import { logger } from '../runtime/logger';
import type { DocumentServices } from './index';
import { DocumentError } from './invoice-pdf';
import { paperSizeOf, type PaperSize } from './invoice-view';
import { buildCreditNoteView } from './credit-note-view';
import { pageFooterHtml, renderDocumentHtml } from './invoice-template';

type StoredCreditNote = CreditNoteRow & { file_path?: string | null };

export const creditNoteDocumentKey = (note: Pick<CreditNoteRow, 'organization_id' | 'id'>) => `credit_notes/${note.organization_id}/${note.id}.pdf`;

export function creditNoteFileUrl(publicUrl: string | null, note: StoredCreditNote): string | null {
  if (!note.file_path || !publicUrl) return null;
  return `${publicUrl.replace(/\/+$/, '')}/api/v1/credit_notes/${note.id}/pdf`;
}

/** The credit note as the API shows it, with its file_url. */
export async function creditNoteObject(db: Db, organization: OrganizationRow, note: StoredCreditNote, publicUrl: string | null): Promise<Record<string, unknown>> {
  return { ...(await presentCreditNote(db, organization, note)), file_url: creditNoteFileUrl(publicUrl, note) };
}

export async function renderCreditNotePdfBytes(db: Db, docs: DocumentServices, organization: OrganizationRow, note: CreditNoteRow, paperSize?: PaperSize): Promise<Uint8Array> {
  const items = await itemsOfCreditNotes(db, organization.id, [note.id]);
  const [invoice, customer, fees] = await Promise.all([
    db<InvoiceRow>('invoices').where({ organization_id: organization.id, id: note.invoice_id }).first(),
    findCustomerById(db, note.customer_id),
    items.length ? db<FeeRow>('fees').where({ organization_id: organization.id }).whereIn('id', items.map((item) => item.fee_id)) : Promise.resolve([] as FeeRow[]),
  ]);
  if (!invoice || !customer) throw new Error(`Credit note ${note.id} lost its invoice or customer`);
  const logo = organization.logo_url ? await (docs.fetchLogo ?? (async () => null))(organization.logo_url) : null;
  const view = buildCreditNoteView({
    creditNote: note, items, fees: new Map(fees.map((fee) => [fee.id, fee])), invoice, organization, customer, logo,
    paperSize: paperSize ?? paperSizeOf(organization),
  });
  return docs.renderer.render(renderDocumentHtml(view), { paperSize: view.paperSize, footerHtml: pageFooterHtml(view) });
}

export async function generateCreditNotePdf(db: Db, docs: DocumentServices, input: { organizationId: string; creditNoteId: string; force?: boolean }): Promise<{ creditNoteId: string; filePath: string; rendered: boolean }> {
  const note = (await findCreditNote(db, input.organizationId, input.creditNoteId)) as StoredCreditNote | undefined;
  if (!note) throw new DocumentError('not_found', `Credit note ${input.creditNoteId} does not exist`);
  const key = creditNoteDocumentKey(note);
  if (!input.force && note.file_path === key && (await docs.store.exists(key))) return { creditNoteId: note.id, filePath: key, rendered: false };
  const organization = await findOrganization(db, note.organization_id);
  if (!organization) throw new Error(`Organization ${note.organization_id} does not exist`);
  const pdf = await renderCreditNotePdfBytes(db, docs, organization, note);
  await docs.store.write(key, pdf);
  await db.transaction(async (trx) => {
    const [updated] = await trx('credit_notes').where({ organization_id: note.organization_id, id: note.id })
      .update({ file_path: key, updated_at: trx.fn.now() }).returning('*');
    await recordWebhookEvent(trx, {
      organizationId: note.organization_id,
      webhookType: 'credit_note.generated',
      objectType: 'credit_note',
      object: await creditNoteObject(trx as unknown as Db, organization, updated as StoredCreditNote, docs.publicUrl),
      idempotencyKey: `credit_note.generated:${note.id}`,
    });
  });
  logger.info({ creditNoteId: note.id, number: note.number, bytes: pdf.length }, 'credit note document rendered');
  return { creditNoteId: note.id, filePath: key, rendered: true };
}
