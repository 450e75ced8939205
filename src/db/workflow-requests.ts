/**
 * The outbox of workflows to start (`workflow_requests`): one row per workflow id, written in the
 * transaction that needs the workflow, stamped once the relay has handed it to Temporal.
 */
import type { Conn, Tx } from './knex';

export interface WorkflowRequestRow {
  id: string;
  organization_id: string;
  workflow_type: string;
  workflow_id: string;
  args: unknown[];
  created_at: Date;
  dispatched_at: Date | null;
}

export type WorkflowRequestFields = Pick<WorkflowRequestRow, 'organization_id' | 'workflow_type' | 'workflow_id' | 'args'>;

/** Adds a request; returns its id, or null when that workflow was requested already. */
export async function insertWorkflowRequest(conn: Conn, fields: WorkflowRequestFields): Promise<string | null> {
  const rows = (await conn('workflow_requests')
    .insert({ ...fields, args: JSON.stringify(fields.args) })
    .onConflict(['organization_id', 'workflow_id'])
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
