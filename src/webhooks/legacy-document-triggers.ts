/**
 * LEGACY (issue 9), to delete: until invoicing and credit notes call `requestDocument` (outbox.ts)
 * in the transaction that finalizes the document, the relay still renders a PDF because of a
 * webhook type. Once they do, delete this file and the one line of relay.ts that calls it (and its
 * import). Running both meanwhile is harmless: a document workflow id starts at most once.
 */
import type { WebhookEventRow } from '../db/webhooks';
import type { DocumentType } from '../workflows/ids';
import type { DocumentRequestInput } from './outbox';

const DOCUMENT_TRIGGERS: Record<string, DocumentType> = {
  'invoice.created': 'invoice',
  'invoice.one_off_created': 'invoice',
  'invoice.paid_credit_added': 'invoice',
  'credit_note.created': 'credit_note',
};

/** The document a relayed event implicitly asks for (none, or one). */
export function legacyDocumentRequests(event: WebhookEventRow): DocumentRequestInput[] {
  const documentType = DOCUMENT_TRIGGERS[event.webhook_type];
  if (!documentType || !event.object_id) return [];
  return [{ organizationId: event.organization_id, documentType, id: event.object_id }];
}
