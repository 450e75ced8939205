/**
 * The outbox of documents to render (`document_requests`): one row per document, written in the
 * transaction that finalizes it, stamped once the relay has handed it to Temporal.
 */
import type { Conn, Tx } from './knex';

export interface DocumentRequestRow {
  id: string;
  organization_id: string;
  document_type: 'invoice' | 'credit_note';
  document_id: string;
  created_at: Date;
  dispatched_at: Date | null;
}

export type DocumentRequestFields = Pick<DocumentRequestRow, 'organization_id' | 'document_type' | 'document_id'>;

/** Adds a request; returns its id, or null when the document was requested already. */
export async function insertDocumentRequest(conn: Conn, fields: DocumentRequestFields): Promise<string | null> {
  const rows = (await conn('document_requests')
    .insert(fields)
    .onConflict(['organization_id', 'document_type', 'document_id'])
    .ignore()
    .returning('id')) as { id: string }[];
  return rows[0]?.id ?? null;
}

/** The oldest requests not yet dispatched, locked until the transaction ends; rows another relay holds are skipped. */
export async function claimPendingDocumentRequests(trx: Tx, limit: number): Promise<DocumentRequestRow[]> {
  return trx<DocumentRequestRow>('document_requests')
    .whereNull('dispatched_at')
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .limit(limit)
    .forUpdate()
    .skipLocked();
}

export async function markDocumentRequestsDispatched(trx: Tx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx('document_requests').whereIn('id', [...ids]).update({ dispatched_at: trx.fn.now() });
}
