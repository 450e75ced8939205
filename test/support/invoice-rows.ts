/** Invoice rows written straight to the database by fixtures: inserted, then numbered, as the one writer does. */
import type { Tx } from '../../src/db/knex';
import { insertInvoiceWithFees, numberInvoice, type FeeDraft, type InvoiceDraft, type InvoiceRow, type Numbering } from '../../src/db/invoices';

export async function insertNumberedInvoice(trx: Tx, draft: InvoiceDraft, fees: FeeDraft[], numbering: Numbering): Promise<InvoiceRow> {
  return numberInvoice(trx, (await insertInvoiceWithFees(trx, draft, fees, numbering)).invoice, numbering);
}
