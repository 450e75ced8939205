/**
 * A credit note as the API shows it: the note with its invoice, customer, items, fees and
 * subscriptions, loaded in batches. One presenter for the REST endpoints and the credit_note
 * webhooks, so a webhook carries what the endpoint returns.
 */
import type { Conn } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';
import { creditNoteRelations, type CreditNoteRow } from '../../db/credit-notes';
import { serializeCreditNote, type CreditNoteContext } from '../../serializers/credit-note';
import { customerView } from '../../serializers/customer';

/** A note and everything its serializer needs. */
export interface PresentedCreditNote {
  creditNote: CreditNoteRow;
  context: CreditNoteContext;
}

/** The authenticated download URL of a rendered credit note PDF (`file_url`). */
export function creditNoteFileUrl(publicUrl: string | null, note: Pick<CreditNoteRow, 'id' | 'file_path'>): string | null {
  if (!note.file_path || !publicUrl) return null;
  return `${publicUrl.replace(/\/+$/, '')}/api/v1/credit_notes/${note.id}/pdf`;
}

/** Presents the notes; with a `publicUrl`, rendered ones carry their `file_url`. */
export async function presentCreditNotes(
  db: Conn, organization: OrganizationRow, notes: readonly CreditNoteRow[], publicUrl: string | null = null,
): Promise<PresentedCreditNote[]> {
  if (notes.length === 0) return [];
  const relations = await creditNoteRelations(db, organization.id, notes);
  const view = customerView(organization);
  return notes.map((creditNote) => {
    const customer = relations.customers.get(creditNote.customer_id)!;
    return {
      creditNote,
      context: {
        invoice: relations.invoices.get(creditNote.invoice_id)!,
        customer,
        customerView: view(customer),
        items: relations.items.filter((item) => item.credit_note_id === creditNote.id),
        fees: relations.fees,
        externalSubscriptionIds: relations.externalSubscriptionIds,
        fileUrl: creditNoteFileUrl(publicUrl, creditNote),
      },
    };
  });
}

export async function presentCreditNote(db: Conn, organization: OrganizationRow, note: CreditNoteRow, publicUrl: string | null = null): Promise<PresentedCreditNote> {
  return (await presentCreditNotes(db, organization, [note], publicUrl))[0]!;
}

/** The credit_note object of a webhook payload, read in the caller's transaction. */
export async function creditNoteWebhookObject(db: Conn, organization: OrganizationRow, note: CreditNoteRow, publicUrl: string | null): Promise<Record<string, unknown>> {
  const { creditNote, context } = await presentCreditNote(db, organization, note, publicUrl);
  return serializeCreditNote(creditNote, context);
}
