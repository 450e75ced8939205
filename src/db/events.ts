/**
 * Usage events: an append-only table, idempotent by (organization, transaction id).
 *
 * Ingestion takes one pooled connection and writes a whole batch with ONE multi-row
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING` inside a short transaction:
 * the rows that come back were inserted, the others already existed and are read back so the
 * caller can tell an identical replay from a conflicting one before committing (all or nothing).
 * Rows are never updated nor deleted: the usage cache (`src/db/usage-cache.ts`) relies on it.
 */
import type { Knex } from 'knex';
import type { Db } from './knex';
import type { PgConnection } from './pg';

export interface EventRow {
  id: string;
  organization_id: string;
  transaction_id: string;
  external_subscription_id: string;
  code: string;
  timestamp: Date;
  properties: Record<string, unknown>;
  /** numeric(40,15) as an exact string, or null. */
  precise_total_amount_cents: string | null;
  subscription_id: string | null;
  customer_id: string | null;
  created_at: Date;
}

/** One event ready to store: validated and resolved (subscription, customer). */
export interface NewEvent {
  transactionId: string;
  externalSubscriptionId: string;
  code: string;
  timestampMs: number;
  /** The properties serialized once (JSON), as they will be stored. */
  propertiesJson: string;
  preciseTotalAmountCents: string | null;
  subscriptionId: string;
  customerId: string;
}

const INSERT_SQL = `
INSERT INTO events (organization_id, transaction_id, external_subscription_id, code, "timestamp", properties,
                    precise_total_amount_cents, subscription_id, customer_id)
SELECT $1::uuid, t.transaction_id, t.external_subscription_id, t.code, t.ts, t.properties, t.precise, t.subscription_id, t.customer_id
FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[], $7::numeric[], $8::uuid[], $9::uuid[])
  AS t(transaction_id, external_subscription_id, code, ts, properties, precise, subscription_id, customer_id)
ON CONFLICT (organization_id, transaction_id) DO NOTHING
RETURNING transaction_id, id, created_at`;

const EXISTING_SQL = `SELECT * FROM events WHERE organization_id = $1 AND transaction_id = ANY($2::text[])`;

export interface InsertOutcome {
  /** Rows inserted by this call, by transaction id. */
  inserted: Map<string, { id: string; created_at: Date }>;
  /** Rows that already existed (a replay or a conflict), by transaction id. */
  existing: Map<string, EventRow>;
}

/**
 * Inserts `events` (distinct transaction ids) for one organization. `accept(existing)` decides,
 * before anything is committed, whether the rows that already existed are acceptable (identical
 * replays); when it returns false the transaction is rolled back and nothing is written.
 */
export async function insertEvents(
  db: Db,
  organizationId: string,
  events: readonly NewEvent[],
  accept: (existing: Map<string, EventRow>) => boolean,
): Promise<InsertOutcome & { committed: boolean }> {
  const connection = (await db.client.acquireConnection()) as PgConnection;
  let open = false;
  try {
    await connection.query({ text: 'BEGIN' });
    open = true;
    const { rows } = await connection.query<{ transaction_id: string; id: string; created_at: Date }>({
      name: 'billow_events_insert',
      text: INSERT_SQL,
      values: [
        organizationId,
        events.map((e) => e.transactionId),
        events.map((e) => e.externalSubscriptionId),
        events.map((e) => e.code),
        events.map((e) => new Date(e.timestampMs).toISOString()),
        events.map((e) => e.propertiesJson),
        events.map((e) => e.preciseTotalAmountCents),
        events.map((e) => e.subscriptionId),
        events.map((e) => e.customerId),
      ],
    });
    const inserted = new Map(rows.map((row) => [row.transaction_id, { id: row.id, created_at: row.created_at }]));
    const existing = new Map<string, EventRow>();
    if (inserted.size < events.length) {
      // ON CONFLICT waited for any concurrent writer of the same ids, so this new snapshot sees them.
      const missing = events.filter((e) => !inserted.has(e.transactionId)).map((e) => e.transactionId);
      const found = await connection.query<EventRow>({ text: EXISTING_SQL, values: [organizationId, missing] });
      for (const row of found.rows) existing.set(row.transaction_id, row);
    }
    const committed = accept(existing);
    await connection.query({ text: committed ? 'COMMIT' : 'ROLLBACK' });
    open = false;
    return { inserted: committed ? inserted : new Map(), existing, committed };
  } catch (error) {
    if (open) {
      try {
        await connection.query({ text: 'ROLLBACK' });
      } catch {
        connection.__knex__disposed = error; // knex's pool discards it instead of reusing it
      }
    }
    throw error;
  } finally {
    await db.client.releaseConnection(connection);
  }
}

/** Stored events of `transactionIds` (any subset may exist). */
export async function findEventsByTransactionIds(db: Db, organizationId: string, transactionIds: readonly string[]): Promise<EventRow[]> {
  if (transactionIds.length === 0) return [];
  return db<EventRow>('events').where({ organization_id: organizationId }).whereIn('transaction_id', transactionIds as string[]);
}

export async function findEvent(db: Db, organizationId: string, transactionId: string): Promise<EventRow | undefined> {
  return db<EventRow>('events').where({ organization_id: organizationId, transaction_id: transactionId }).first();
}

export interface EventListFilter {
  code?: string;
  externalSubscriptionId?: string;
  fromMs?: number;
  toMs?: number;
}

/** The organization's events, newest first (by timestamp, then insertion), for pagination. */
export function listEventsQuery(db: Db, organizationId: string, filter: EventListFilter): Knex.QueryBuilder {
  const query = db<EventRow>('events').where({ organization_id: organizationId });
  if (filter.code !== undefined) query.where({ code: filter.code });
  if (filter.externalSubscriptionId !== undefined) query.where({ external_subscription_id: filter.externalSubscriptionId });
  if (filter.fromMs !== undefined) query.where('timestamp', '>=', new Date(filter.fromMs));
  if (filter.toMs !== undefined) query.where('timestamp', '<=', new Date(filter.toMs));
  return query.orderBy([{ column: 'timestamp', order: 'desc' }, { column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
}
