/**
 * Credit note documents: `POST /credit_notes/:id/download` (the note with its `file_url`,
 * rendering the PDF first if needed) and `GET /credit_notes/:id/pdf`, where `file_url` points.
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { notFound } from '../errors';
import { findCreditNote, type CreditNoteRow } from '../../db/credit-notes';
import { defaultDocumentServices } from '../../documents';
import { creditNoteObject, generateCreditNotePdf } from '../../documents/credit-note-pdf';
import type { OrganizationRow } from '../../db/organizations';

export function creditNoteDocumentsRouter(ctx: AppContext): Router {
  const { db, publicUrl } = ctx;
  const docs = () => ctx.documents ?? defaultDocumentServices();
  const router = Router();

  async function documentOf(organization: OrganizationRow, id: string): Promise<CreditNoteRow & { file_path: string }> {
    const note = await findCreditNote(db, organization.id, id);
    if (!note) throw notFound('credit_note');
    await generateCreditNotePdf(db, docs(), { organizationId: organization.id, creditNoteId: note.id });
    return (await findCreditNote(db, organization.id, note.id)) as CreditNoteRow & { file_path: string };
  }

  router.post('/:id/download', handle(async (req, res) => {
    const organization = organizationOf(req);
    const note = await documentOf(organization, String(req.params.id));
    res.json({ credit_note: await creditNoteObject(db, organization, note, publicUrl) });
  }));
  router.get('/:id/pdf', handle(async (req, res) => {
    const organization = organizationOf(req);
    const note = await documentOf(organization, String(req.params.id));
    const pdf = await docs().store.read(note.file_path);
    if (!pdf) throw notFound('credit_note_document');
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `inline; filename="${note.number.replace(/[^A-Za-z0-9._-]+/g, '_')}.pdf"`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(pdf);
  }));
  return router;
}
