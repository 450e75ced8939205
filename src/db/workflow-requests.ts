/**
 * The outbox of workflows to start (`workflow_requests`): one row per workflow id (and request key,
 * when several transactions each ask for the same workflow: an organization's overdue sweep, one
 * row per invoice), written in the transaction that needs the workflow, stamped once the relay has
 * handed it to Temporal.
 */
import type { Conn, Tx } from './knex';

export interface WorkflowRequestRow {
  id: string;
  organization_id: string;
  workflow_type: string;
  workflow_id: string;
  args: unknown[];
  /** '' for a workflow requested once; otherwise what makes this request once-only (e.g. `invoice:<id>`). */
  request_key: string;
  created_at: Date;
  dispatched_at: Date | null;
}

export type WorkflowRequestFields = Pick<WorkflowRequestRow, 'organization_id' | 'workflow_type' | 'workflow_id' | 'args'> & Partial<Pick<WorkflowRequestRow, 'request_key'>>;

/** Adds a request; returns its id, or null when that workflow (with that key) was requested already. */
export async function insertWorkflowRequest(conn: Conn, fields: WorkflowRequestFields): Promise<string | null> {
  const rows = (await conn('workflow_requests')
    .insert({ ...fields, args: JSON.stringify(fields.args), request_key: fields.request_key ?? '' })
    .onConflict(['organization_id', 'workflow_id', 'request_key'])
    .ignore()
    .returning('id')) as { id: string }[];
  return rows[0]?.id ?? null;
}

/** The oldest requests not yet dispatched, locked until the transaction ends; rows another relay holds are skipped. */
export async function claimPendingWorkflowRequests(trx: Tx, limit: number): Promise<WorkflowRequestRow[]> {
  return trx<WorkflowRequestRow>('workflow_requests')
    .whereNull('dispatched_at')
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .limit(limit)
    .forUpdate()
    .skipLocked();
}

export async function markWorkflowRequestDispatched(trx: Tx, id: string): Promise<void> {
  await trx('workflow_requests').where({ id }).update({ dispatched_at: trx.fn.now() });
}

export async function markWorkflowRequestsDispatched(trx: Tx, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await trx('workflow_requests').whereIn('id', ids).update({ dispatched_at: trx.fn.now() });
}
