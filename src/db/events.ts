/**
 * Usage events: an append-only table, idempotent by (organization, transaction id).
 *
 * Ingestion takes one pooled connection and writes a whole batch with ONE multi-row
 * `INSERT … SELECT FROM json_to_recordset(…) ON CONFLICT DO NOTHING` inside a short transaction:
 * when fewer rows than sent were inserted, the existing ones are read back so the caller can tell
 * an identical replay from a conflicting one before committing (all or nothing).
 * Rows are never updated nor deleted: the usage cache (`src/db/usage-cache.ts`) relies on it.
 *
 * The INSERT takes the active subscription of each event's external id `FOR SHARE`, and stores
 * nothing for an external id that has none: an event is never stored for a subscription that has
 * ended (whatever a cached lookup said), and a termination (which updates that row) waits for the
 * events being stored to commit, so the final invoice it then computes sees every event that was
 * accepted (issue 11: nothing accepted is dropped). An event refused this way comes back in
 * `refused`. (After a plan change the active row is the new one: events keep being accepted.)
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db, Tx } from './knex';
import { rollbackOrDiscard, withConnection, type PgConnection } from './pg';
import { paginate } from './pagination';
import type { Page, Paginated } from '../runtime/pagination';
import type { UsageEvent } from '../billing/types';

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
  /** Stored as JSON (jsonb). */
  properties: Record<string, unknown>;
  preciseTotalAmountCents: string | null;
  subscriptionId: string;
  customerId: string;
}

// The batch travels as ONE JSON document (one native JSON.stringify, parsed by PostgreSQL's
// json_to_recordset) rather than as escaped array literals. Ids are time-ordered UUIDs made here
// (so the primary key grows at its right edge); subscription/customer ids are sent once per
// distinct subscription and indexed per row; nothing comes back unless a transaction id existed.
const INSERT_SQL = `
INSERT INTO events (id, organization_id, transaction_id, external_subscription_id, code, "timestamp", properties,
                    precise_total_amount_cents, subscription_id, customer_id, created_at)
SELECT t.i, $1::uuid, t.t, t.e, t.c, t.ts, t.p, t.x, ($3::uuid[])[t.o], ($4::uuid[])[t.o], $5::timestamptz
FROM json_to_recordset($2::json) AS t(i uuid, t text, e text, c text, ts timestamptz, p jsonb, x numeric, o int)
JOIN subscriptions s ON s.organization_id = $1::uuid AND s.external_id = t.e AND s.status = 'active'
FOR SHARE OF s
ON CONFLICT (organization_id, transaction_id) DO NOTHING`;

// The optimistic form: the same INSERT as one autocommitted statement that succeeds only if it
// inserted every row. If any transaction id already existed, the final SELECT divides by zero
// (SQLSTATE 22012, the only division in the statement), the whole statement is rolled back and
// the caller takes the transactional path that tells replays from conflicts. One round trip for
// the common case instead of three (BEGIN, INSERT, COMMIT).
const INSERT_ALL_OR_FAIL_SQL = `
WITH inserted AS (${INSERT_SQL.trim()} RETURNING 1)
SELECT CASE WHEN count(*) = $6 THEN count(*) ELSE count(*) / 0 END AS inserted FROM inserted`;

const EXISTING_SQL = `SELECT * FROM events WHERE organization_id = $1 AND transaction_id = ANY($2::text[])`;

/** UUIDs of version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. */
export function uuidV7s(count: number, nowMs: number): string[] {
  const random = randomBytes(10 * count);
  const bytes = Buffer.alloc(16);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    bytes.writeUIntBE(nowMs, 0, 6);
    random.copy(bytes, 6, i * 10, i * 10 + 10);
    bytes[6] = 0x70 | (bytes[6]! & 0x0f);
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    const hex = bytes.toString('hex');
    ids.push(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
  }
  return ids;
}

export interface InsertOutcome {
  /** Rows inserted by this call, by transaction id. */
  inserted: Map<string, { id: string; created_at: Date }>;
  /** Rows that already existed (a replay or a conflict), by transaction id. */
  existing: Map<string, EventRow>;
  /** Transaction ids neither inserted nor existing: their subscription is not active any more. */
  refused: Set<string>;
  committed: boolean;
}

/** One batch as its INSERT statements take it, with the ids and `created_at` given to its rows. */
interface Batch {
  organizationId: string;
  events: readonly NewEvent[];
  ids: string[];
  createdAt: Date;
  values: unknown[];
}

function batchOf(organizationId: string, events: readonly NewEvent[], receivedAtMs: number): Batch {
  const createdAt = new Date(receivedAtMs);
  const ids = uuidV7s(events.length, receivedAtMs);
  const owners = new Map<string, number>(); // subscription id → 1-based index in the owner arrays
  const subscriptionIds: string[] = [];
  const customerIds: string[] = [];
  const ownerIndexes = events.map((e) => {
    let index = owners.get(e.subscriptionId);
    if (index === undefined) {
      subscriptionIds.push(e.subscriptionId);
      customerIds.push(e.customerId);
      index = subscriptionIds.length;
      owners.set(e.subscriptionId, index);
    }
    return index;
  });
  const rows = JSON.stringify(events.map((e, i) => ({
    i: ids[i],
    t: e.transactionId,
    e: e.externalSubscriptionId,
    c: e.code,
    ts: new Date(e.timestampMs).toISOString(),
    p: e.properties,
    x: e.preciseTotalAmountCents,
    o: ownerIndexes[i],
  })));
  return { organizationId, events, ids, createdAt, values: [organizationId, rows, subscriptionIds, customerIds, createdAt] };
}

const allInserted = (batch: Batch) => new Map(batch.events.map((e, i) => [e.transactionId, { id: batch.ids[i]!, created_at: batch.createdAt }]));

/** The common case in one round trip: true when every row was inserted, false (nothing written) when an id existed. */
async function insertAllOrNothing(connection: PgConnection, batch: Batch): Promise<boolean> {
  try {
    await connection.query({ name: 'billow_events_insert_all', text: INSERT_ALL_OR_FAIL_SQL, values: [...batch.values, batch.events.length] });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code !== '22012') throw error;
    return false;
  }
}

/** Inside the open transaction: this batch's rows and the ones that already existed. */
async function insertAndReadBack(connection: PgConnection, batch: Batch): Promise<Omit<InsertOutcome, 'committed'>> {
  const { rowCount } = await connection.query({ name: 'billow_events_insert', text: INSERT_SQL, values: batch.values });
  if (rowCount === batch.events.length) return { inserted: allInserted(batch), existing: new Map(), refused: new Set() };
  // Some ids existed. ON CONFLICT waited for any concurrent writer of the same ids, so this
  // statement's snapshot sees them; our own rows are the ones carrying the ids made above.
  const ours = new Set(batch.ids);
  const inserted = new Map<string, { id: string; created_at: Date }>();
  const existing = new Map<string, EventRow>();
  const found = await connection.query<EventRow>({ text: EXISTING_SQL, values: [batch.organizationId, batch.events.map((e) => e.transactionId)] });
  for (const row of found.rows) {
    if (ours.has(row.id)) inserted.set(row.transaction_id, { id: row.id, created_at: row.created_at });
    else existing.set(row.transaction_id, row);
  }
  const refused = new Set(batch.events.map((e) => e.transactionId).filter((id) => !inserted.has(id) && !existing.has(id)));
  return { inserted, existing, refused };
}

/**
 * Inserts `events` (distinct transaction ids) for one organization, received at `receivedAtMs`
 * (their `created_at`). `accept(existing, refused)` decides, before anything is committed, whether
 * the rows that already existed are acceptable (identical replays) and what to do with events
 * refused because their subscription is not active any more; when it returns false the
 * transaction is rolled back and nothing is written.
 */
export async function insertEvents(
  db: Db,
  organizationId: string,
  events: readonly NewEvent[],
  receivedAtMs: number,
  accept: (existing: Map<string, EventRow>, refused: Set<string>) => boolean,
): Promise<InsertOutcome> {
  const batch = batchOf(organizationId, events, receivedAtMs);
  return withConnection(db, async (connection) => {
    if (await insertAllOrNothing(connection, batch)) return { inserted: allInserted(batch), existing: new Map(), refused: new Set(), committed: true };
    await connection.query({ text: 'BEGIN' });
    try {
      const { inserted, existing, refused } = await insertAndReadBack(connection, batch);
      const committed = accept(existing, refused);
      await connection.query({ text: committed ? 'COMMIT' : 'ROLLBACK' });
      return { inserted: committed ? inserted : new Map(), existing, refused, committed };
    } catch (error) {
      await rollbackOrDiscard(connection, error);
      throw error;
    }
  });
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

/** The organization's events, newest first (by timestamp, then insertion). */
function listEventsQuery(db: Db, organizationId: string, filter: EventListFilter): Knex.QueryBuilder {
  const query = db<EventRow>('events').where({ organization_id: organizationId });
  if (filter.code !== undefined) query.where({ code: filter.code });
  if (filter.externalSubscriptionId !== undefined) query.where({ external_subscription_id: filter.externalSubscriptionId });
  if (filter.fromMs !== undefined) query.where('timestamp', '>=', new Date(filter.fromMs));
  if (filter.toMs !== undefined) query.where('timestamp', '<=', new Date(filter.toMs));
  return query.orderBy([{ column: 'timestamp', order: 'desc' }, { column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
}

/**
 * A subscription's events of one metric from `fromMs` up to and including the given event, in the
 * order they happened (timestamp, then transaction id): what pricing an event in advance needs.
 */
export async function eventsUpTo(db: Db, organizationId: string, externalSubscriptionId: string, event: Pick<EventRow, 'code' | 'timestamp' | 'transaction_id'>, fromMs: number): Promise<UsageEvent[]> {
  const rows = await db('events')
    .where({ organization_id: organizationId, external_subscription_id: externalSubscriptionId, code: event.code })
    .where('timestamp', '>=', new Date(fromMs))
    .whereRaw('("timestamp", transaction_id) <= (?, ?)', [event.timestamp, event.transaction_id])
    .orderBy([{ column: 'timestamp' }, { column: 'transaction_id' }])
    .select('transaction_id', 'timestamp', 'properties');
  return rows.map((row) => ({ transactionId: row.transaction_id, timestamp: (row.timestamp as Date).getTime(), properties: row.properties }));
}

/** One page of the organization's events that `filter` selects, newest first. */
export async function findEventsPage(db: Db, organizationId: string, filter: EventListFilter, page: Page): Promise<Paginated<EventRow>> {
  return paginate<EventRow>(listEventsQuery(db, organizationId, filter), page);
}

/** One event inserted in the caller's transaction (a dry run's: an estimate that keeps nothing). */
export async function insertEventIn(trx: Tx, organizationId: string, event: NewEvent, receivedAtMs: number): Promise<void> {
  await trx('events').insert({
    id: uuidV7s(1, receivedAtMs)[0],
    organization_id: organizationId,
    transaction_id: event.transactionId,
    external_subscription_id: event.externalSubscriptionId,
    code: event.code,
    timestamp: new Date(event.timestampMs),
    properties: JSON.stringify(event.properties),
    precise_total_amount_cents: event.preciseTotalAmountCents,
    subscription_id: event.subscriptionId,
    customer_id: event.customerId,
    created_at: new Date(receivedAtMs),
  });
}
