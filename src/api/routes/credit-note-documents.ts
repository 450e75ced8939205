/**
 * Credit note documents: `POST /credit_notes/:id/download` (the note with its `file_url`,
 * rendering the PDF first if needed) and `GET /credit_notes/:id/pdf`, where `file_url` points.
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { serializeCreditNote } from '../../serializers/credit-note';
import { creditNotePdf, downloadCreditNote } from '../../services/credits';

export function creditNoteDocumentsRouter(ctx: AppContext): Router {
  const { db, publicUrl } = ctx;
  const router = Router();

  router.post('/:id/download', handle(async (req, res) => {
    const organization = organizationOf(req);
    const { creditNote, context } = await downloadCreditNote(db, organization, String(req.params.id), { documents: ctx.documents, publicUrl });
    res.json({ credit_note: serializeCreditNote(creditNote, context) });
  }));
  router.get('/:id/pdf', handle(async (req, res) => {
    const organization = organizationOf(req);
    const { pdf, number } = await creditNotePdf(db, organization.id, String(req.params.id), ctx.documents);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `inline; filename="${number.replace(/[^A-Za-z0-9._-]+/g, '_')}.pdf"`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(pdf);
  }));
  return router;
}
