/**
 * Invoice documents: `POST /invoices/:id/download` (reference §1.7: the invoice with its
 * `file_url`, rendering the PDF first if it does not exist yet) and `GET /invoices/:id/pdf`, the
 * authenticated URL `file_url` points to (`?paper_size=letter|a4` renders another size on the fly).
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { downloadInvoice, invoicePdf } from '../../services/invoicing';

function pdfFileName(number: string): string {
  return `${number.replace(/[^A-Za-z0-9._-]+/g, '_')}.pdf`;
}

export function invoiceDocumentsRouter({ db, clock, publicUrl, documents }: AppContext): Router {
  const router = Router();
  const download = handle(async (req, res) => {
    res.json({ invoice: await downloadInvoice(db, organizationOf(req), String(req.params.id), { documents, publicUrl, nowMs: await clock.now() }) });
  });
  router.post('/:id/download', download);
  router.post('/:id/download_pdf', download);

  router.get('/:id/pdf', handle(async (req, res) => {
    const paperSize = req.query.paper_size === undefined ? undefined : String(req.query.paper_size);
    const { pdf, number } = await invoicePdf(db, organizationOf(req), String(req.params.id), { paperSize, documents });
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `inline; filename="${pdfFileName(number)}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(Buffer.from(pdf));
  }));
  return router;
}
