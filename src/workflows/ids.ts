/**
 * Workflow ids: one subscription workflow per organization and external id (DESIGN.md §4), one
 * webhook workflow per outbox event, one document workflow per document (or one per burst of
 * either), one payment workflow per invoice to collect, one overdue workflow per organization and
 * overdue instant for the invoices with nothing to collect.
 */
export function subscriptionWorkflowId(organizationId: string, externalId: string): string {
  return `subscription/${organizationId}/${externalId}`;
}

/** The documents Billow renders as PDF. */
export type DocumentType = 'invoice' | 'credit_note';

export const webhookWorkflowId = (eventId: string) => `webhook/${eventId}`;
export const documentWorkflowId = (type: DocumentType, id: string) => `document/${type}/${id}`;
/** A burst relayed as one workflow: named by a digest of its rows' ids, so the same rows give the same id. */
export const webhookBatchWorkflowId = (digest: string) => `webhooks/${digest}`;
export const documentBatchWorkflowId = (digest: string) => `documents/${digest}`;

/** What a payment workflow collects: an invoice, or a payment request (a customer's overdue invoices gathered). */
export type PayableType = 'invoice' | 'payment_request';
export interface Payable {
  type: PayableType;
  id: string;
}

/** The payment workflow of a payable (its first attempt, then its due date), or of a retry (`POST /invoices/:id/retry_payment`): attempt N. */
export const paymentWorkflowId = (payable: Payable, attempt = 1) => (attempt === 1 ? `payment/${payable.type}/${payable.id}` : `payment/${payable.type}/${payable.id}/attempt/${attempt}`);

/** The refund workflow of a credit note with a refund (`refund/credit_note/<id>`): its refunds at the provider that collected the invoice. */
export const refundWorkflowId = (creditNoteId: string) => `refund/credit_note/${creditNoteId}`;

/**
 * The overdue workflow of an organization's invoices turning overdue at one instant (the start of
 * the day after their due date in their customer's timezone, epoch ms): `overdue/<organization>/<instant>`.
 */
export const overdueWorkflowId = (organizationId: string, instantMs: number) => `overdue/${organizationId}/${instantMs}`;

/** The signal the relay sends an overdue workflow (with its start) for each invoice issued: sweep again if the sweep has begun. */
export const OVERDUE_SWEEP_SIGNAL = 'overdueInvoiceIssued';
