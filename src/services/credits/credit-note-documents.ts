/**
 * Credit note documents: renders a note's PDF, stores it, sets `credit_notes.file_path` and
 * records `credit_note.generated` in one transaction. Idempotent like invoices: a fixed key per
 * note, and a stored document is not rendered again unless asked to.
 */
import type { Db } from '../../db/knex';
import { findOrganization, type OrganizationRow } from '../../db/organizations';
import { creditNoteRelations, findCreditNote, setCreditNoteFilePath, type CreditNoteRow } from '../../db/credit-notes';
import { defaultDocumentServices, type DocumentServices } from '../../documents';
import { DocumentError } from '../invoicing';
import { creditNoteDocumentKey, renderCreditNotePdfBytes } from '../../documents/credit-note-pdf';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { logger } from '../../runtime/logger';
import { notFound } from '../../runtime/errors';
import { creditNoteWebhookObject, presentCreditNote, type PresentedCreditNote } from './credit-note-presenter';

export interface GeneratedCreditNoteDocument {
  creditNoteId: string;
  filePath: string;
  rendered: boolean;
}

export async function generateCreditNotePdf(
  db: Db, docs: DocumentServices, input: { organizationId: string; creditNoteId: string; force?: boolean },
): Promise<GeneratedCreditNoteDocument> {
  const note = await findCreditNote(db, input.organizationId, input.creditNoteId);
  if (!note) throw new DocumentError('not_found', `Credit note ${input.creditNoteId} does not exist`);
  const key = creditNoteDocumentKey(note);
  if (!input.force && note.file_path === key && (await docs.store.exists(key))) return { creditNoteId: note.id, filePath: key, rendered: false };
  const organization = await findOrganization(db, note.organization_id);
  if (!organization) throw new Error(`Organization ${note.organization_id} does not exist`);
  const pdf = await renderCreditNotePdf(db, docs, organization, note);
  await docs.store.write(key, pdf);
  await db.transaction(async (trx) => {
    const updated = await setCreditNoteFilePath(trx, note.organization_id, note.id, key);
    await recordWebhookEvent(trx, {
      organizationId: note.organization_id,
      webhookType: 'credit_note.generated',
      objectType: 'credit_note',
      object: await creditNoteWebhookObject(trx, organization, updated, docs.publicUrl),
      idempotencyKey: `credit_note.generated:${note.id}`,
    });
  });
  logger.info({ creditNoteId: note.id, number: note.number, bytes: pdf.length }, 'credit note document rendered');
  return { creditNoteId: note.id, filePath: key, rendered: true };
}

async function renderCreditNotePdf(db: Db, docs: DocumentServices, organization: OrganizationRow, note: CreditNoteRow): Promise<Uint8Array> {
  const { items, invoices, customers, fees } = await creditNoteRelations(db, organization.id, [note]);
  const invoice = invoices.get(note.invoice_id);
  const customer = customers.get(note.customer_id);
  if (!invoice || !customer) throw new Error(`Credit note ${note.id} lost its invoice or customer`);
  return renderCreditNotePdfBytes(docs, { creditNote: note, items, fees, invoice, organization, customer });
}

/** The note, its PDF rendered first if needed (not found: no such note). */
async function documentedCreditNote(db: Db, docs: DocumentServices, organizationId: string, id: string): Promise<CreditNoteRow> {
  const note = await findCreditNote(db, organizationId, id);
  if (!note) throw notFound('credit_note');
  await generateCreditNotePdf(db, docs, { organizationId, creditNoteId: note.id });
  return (await findCreditNote(db, organizationId, note.id))!;
}

/** `POST /credit_notes/:id/download`: the note with its `file_url`, rendering the PDF first if needed. */
export async function downloadCreditNote(
  db: Db, organization: OrganizationRow, id: string, options: { documents?: DocumentServices; publicUrl: string },
): Promise<PresentedCreditNote> {
  const note = await documentedCreditNote(db, options.documents ?? defaultDocumentServices(), organization.id, id);
  return presentCreditNote(db, organization, note, options.publicUrl);
}

/** `GET /credit_notes/:id/pdf`: the stored PDF bytes and the note's number (not found: no note, or no file). */
export async function creditNotePdf(
  db: Db, organizationId: string, id: string, documents?: DocumentServices,
): Promise<{ pdf: Uint8Array; number: string }> {
  const docs = documents ?? defaultDocumentServices();
  const note = await documentedCreditNote(db, docs, organizationId, id);
  const pdf = await docs.store.read(note.file_path!);
  if (!pdf) throw notFound('credit_note_document');
  return { pdf, number: note.number };
}
