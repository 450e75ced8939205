/**
 * Invoice documents: `POST /invoices/:id/download` (reference §1.7: the invoice with its
 * `file_url`, rendering the PDF first if it does not exist yet) and `GET /invoices/:id/pdf`, the
 * authenticated URL `file_url` points to (`?paper_size=letter|a4` renders another size on the fly).
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { invalidField, methodNotAllowed, notFound } from '../errors';
import { findInvoice, type InvoiceRow } from '../../db/invoices';
import { defaultDocumentServices, type DocumentServices } from '../../documents';
import { generateInvoicePdf, renderInvoicePdfBytes } from '../../documents/invoice-pdf';
import { paperSizeOf } from '../../documents/invoice-view';
import { presentInvoice } from '../../services/invoicing/invoice-view';
import type { OrganizationRow } from '../../db/organizations';

function pdfFileName(invoice: InvoiceRow): string {
  return `${invoice.number.replace(/[^A-Za-z0-9._-]+/g, '_')}.pdf`;
}

export function invoiceDocumentsRouter(ctx: AppContext & { documents?: DocumentServices }): Router {
  const { db, publicUrl } = ctx;
  const docs = () => ctx.documents ?? defaultDocumentServices();
  const router = Router();

  async function documentOf(organization: OrganizationRow, id: string): Promise<InvoiceRow> {
    const invoice = await findInvoice(db, organization.id, id);
    if (!invoice) throw notFound('invoice');
    if (invoice.status === 'draft') throw methodNotAllowed('is_draft');
    await generateInvoicePdf(db, docs(), { organizationId: organization.id, invoiceId: invoice.id });
    return (await findInvoice(db, organization.id, invoice.id))!;
  }

  const download = handle(async (req, res) => {
    const organization = organizationOf(req);
    const invoice = await documentOf(organization, String(req.params.id));
    res.json({ invoice: await presentInvoice(db, organization, invoice, { withFees: true, publicUrl }) });
  });
  router.post('/:id/download', download);
  router.post('/:id/download_pdf', download);

  router.get('/:id/pdf', handle(async (req, res) => {
    const organization = organizationOf(req);
    const requested = req.query.paper_size === undefined ? null : String(req.query.paper_size).toLowerCase();
    if (requested !== null && requested !== 'a4' && requested !== 'letter') throw invalidField('paper_size', 'value_is_invalid');
    const invoice = await documentOf(organization, String(req.params.id));
    const stored = paperSizeOf(organization);
    let pdf: Uint8Array | null;
    if (requested !== null && paperSizeOf(organization, requested) !== stored) {
      pdf = await renderInvoicePdfBytes(db, docs(), organization, invoice, paperSizeOf(organization, requested));
    } else {
      pdf = await docs().store.read(invoice.file_path!);
    }
    if (!pdf) throw notFound('invoice_document');
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `inline; filename="${pdfFileName(invoice)}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(Buffer.from(pdf));
  }));
  return router;
}
