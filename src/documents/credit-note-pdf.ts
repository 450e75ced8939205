/**
 * Renders a credit note to PDF from rows the caller has loaded (the credit notes' service loads
 * them, stores the file and records `credit_note.generated`).
 */
import type { CreditNoteRow } from '../db/credit-notes';
import type { DocumentServices } from './index';
import { paperSizeOf, type PaperSize } from './invoice-view';
import { buildCreditNoteView, type CreditNoteViewInput } from './credit-note-view';
import { pageFooterHtml, renderDocumentHtml } from './invoice-template';

/** Where a credit note's PDF is stored: one fixed key per note, so rendering again overwrites it. */
export const creditNoteDocumentKey = (note: Pick<CreditNoteRow, 'organization_id' | 'id'>) => `credit_notes/${note.organization_id}/${note.id}.pdf`;

/** What the document prints; the logo is fetched here and the paper size defaults to the organization's. */
export type CreditNoteDocumentInput = Omit<CreditNoteViewInput, 'logo' | 'paperSize'> & { paperSize?: PaperSize };

export async function renderCreditNotePdfBytes(docs: DocumentServices, input: CreditNoteDocumentInput): Promise<Uint8Array> {
  const { organization } = input;
  const logo = organization.logo_url ? await (docs.fetchLogo ?? (async () => null))(organization.logo_url) : null;
  const view = buildCreditNoteView({ ...input, logo, paperSize: input.paperSize ?? paperSizeOf(organization) });
  return docs.renderer.render(renderDocumentHtml(view), { paperSize: view.paperSize, footerHtml: pageFooterHtml(view) });
}
