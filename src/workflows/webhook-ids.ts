/** Workflow ids of webhook deliveries and document renders: one per event, one per document. */
export type DocumentType = 'invoice' | 'credit_note';

export const webhookWorkflowId = (eventId: string) => `webhook/${eventId}`;
export const documentWorkflowId = (type: DocumentType, id: string) => `document/${type}/${id}`;
