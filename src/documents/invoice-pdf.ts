/**
 * Renders an invoice to PDF from rows the caller has loaded (invoicing's document service loads
 * them, stores the file and records `invoice.generated`).
 */
import type { InvoiceRow } from '../db/invoices';
import type { DocumentServices } from './index';
import { buildInvoiceView, paperSizeOf, type InvoiceViewInput, type PaperSize } from './invoice-view';
import { pageFooterHtml, renderDocumentHtml } from './invoice-template';

/** Where an invoice's PDF is stored: one fixed key per invoice, so rendering again overwrites it. */
export const invoiceDocumentKey = (invoice: Pick<InvoiceRow, 'organization_id' | 'id'>) => `invoices/${invoice.organization_id}/${invoice.id}.pdf`;

/** What the document prints; the logo is fetched here and the paper size defaults to the organization's. */
export type InvoiceDocumentInput = Omit<InvoiceViewInput, 'logo' | 'paperSize'> & { paperSize?: PaperSize };

export async function renderInvoicePdfBytes(docs: DocumentServices, input: InvoiceDocumentInput): Promise<Uint8Array> {
  const { organization } = input;
  const logo = organization.logo_url ? await (docs.fetchLogo ?? (async () => null))(organization.logo_url) : null;
  const view = buildInvoiceView({ ...input, logo, paperSize: input.paperSize ?? paperSizeOf(organization) });
  return docs.renderer.render(renderDocumentHtml(view), { paperSize: view.paperSize, footerHtml: pageFooterHtml(view) });
}
