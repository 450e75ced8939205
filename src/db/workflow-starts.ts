/**
 * Subscription workflows, as the database sees them: the outbox of workflow starts
 * (`workflow_starts`: one row per subscription, written in the transaction that creates it,
 * stamped once Temporal has the workflow) and the subscriptions that must have a running workflow
 * (what the reconciler compares with Temporal).
 */
import type { Conn, Db, Tx } from './knex';
import type { SubscriptionRow } from './subscriptions';

export interface WorkflowStartRow {
  id: string;
  organization_id: string;
  subscription_id: string;
  workflow_id: string;
  /** What the workflow is started with (`StartSubscriptionWorkflow`), as JSON. */
  input: unknown;
  created_at: Date;
  dispatched_at: Date | null;
}

export type WorkflowStartFields = Pick<WorkflowStartRow, 'organization_id' | 'subscription_id' | 'workflow_id' | 'input'>;

/** Adds the intent to start a subscription's workflow; returns its id, or null when one exists already. */
export async function insertWorkflowStart(conn: Conn, fields: WorkflowStartFields): Promise<string | null> {
  const rows = (await conn('workflow_starts')
    .insert({ ...fields, input: JSON.stringify(fields.input) })
    .onConflict(['subscription_id'])
    .ignore()
    .returning('id')) as { id: string }[];
  return rows[0]?.id ?? null;
}

/** The oldest starts not yet dispatched, with their subscription's status, locked until the transaction ends; rows another relay holds are skipped. */
export async function claimPendingWorkflowStarts(trx: Tx, limit: number): Promise<(WorkflowStartRow & { status: SubscriptionRow['status'] })[]> {
  const claimed = await trx<WorkflowStartRow>('workflow_starts')
    .whereNull('dispatched_at')
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .limit(limit)
    .forUpdate()
    .skipLocked();
  if (claimed.length === 0) return [];
  const statuses = await trx<SubscriptionRow>('subscriptions').whereIn('id', claimed.map((row) => row.subscription_id)).select('id', 'status');
  const statusOf = new Map(statuses.map((row) => [row.id, row.status]));
  return claimed.map((row) => ({ ...row, status: statusOf.get(row.subscription_id)! }));
}

/** Stamps a start as done (idempotent: a start dispatched already keeps its first date). */
export async function markWorkflowStartDispatched(conn: Conn, id: string): Promise<void> {
  await conn('workflow_starts').where({ id }).whereNull('dispatched_at').update({ dispatched_at: conn.fn.now() });
}

/** Stamps every start of these subscriptions still pending as done (the reconciler started their workflows). */
export async function markWorkflowStartsDispatchedFor(conn: Conn, subscriptionIds: readonly string[]): Promise<void> {
  if (subscriptionIds.length === 0) return;
  await conn('workflow_starts').whereIn('subscription_id', [...subscriptionIds]).whereNull('dispatched_at').update({ dispatched_at: conn.fn.now() });
}

/** The start of a subscription not dispatched yet, if any. */
export async function pendingWorkflowStartOf(conn: Conn, subscriptionId: string): Promise<WorkflowStartRow | undefined> {
  return conn<WorkflowStartRow>('workflow_starts').where({ subscription_id: subscriptionId }).whereNull('dispatched_at').first();
}

/** How many starts wait for Temporal (`/ready` and the logs show it). */
export async function countPendingWorkflowStarts(conn: Conn): Promise<number> {
  const row = await conn('workflow_starts').whereNull('dispatched_at').count<{ count: string }[]>({ count: '*' }).first();
  return Number(row?.count ?? 0);
}

/**
 * The subscription that owns each workflow that must be running: per workflow id, its active
 * subscription, else a pending one that is not a plan change (a start in the future). A pending
 * plan change rides on its predecessor's workflow.
 */
export async function liveWorkflowOwners(conn: Conn): Promise<SubscriptionRow[]> {
  return (await conn.raw(
    `SELECT DISTINCT ON (workflow_id) * FROM subscriptions
      WHERE status = 'active' OR (status = 'pending' AND previous_subscription_id IS NULL)
      ORDER BY workflow_id, (status = 'active') DESC, created_at DESC`,
  )).rows as SubscriptionRow[];
}

/** The plan change waiting on a subscription (its pending successor), if any. */
export async function pendingSuccessorOf(conn: Conn, subscriptionId: string): Promise<SubscriptionRow | undefined> {
  return conn<SubscriptionRow>('subscriptions').where({ previous_subscription_id: subscriptionId, status: 'pending' }).orderBy('created_at', 'desc').first();
}

/**
 * Runs `work` while holding a transaction-scoped advisory lock on `key`, or returns null at once
 * when another process holds it (one reconciler at a time across workers).
 */
export async function withExclusiveLock<T>(db: Db, key: string, work: () => Promise<T>): Promise<T | null> {
  return db.transaction(async (trx) => {
    const { rows } = (await trx.raw('SELECT pg_try_advisory_xact_lock(hashtext(?)) AS locked', [key])) as { rows: { locked: boolean }[] };
    if (!rows[0]?.locked) return null;
    return work();
  });
}
