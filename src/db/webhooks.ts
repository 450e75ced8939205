/**
 * Webhook endpoints, the outbox of webhook events, one delivery state per (event, endpoint)
 * and the log of every attempt. Every read is scoped by organization.
 */
import type { Conn, Tx } from './knex';
import { paginate } from './pagination';
import { isUuid } from '../runtime/errors';
import type { Page, Paginated } from '../runtime/pagination';

export interface WebhookEndpointRow {
  id: string;
  organization_id: string;
  webhook_url: string;
  signature_algo: 'jwt' | 'hmac';
  name: string | null;
  event_types: string[] | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookEventRow {
  id: string;
  organization_id: string;
  webhook_type: string;
  object_type: string;
  object_id: string | null;
  idempotency_key: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
  dispatched_at: Date | null;
}

export type WebhookStatus = 'pending' | 'retrying' | 'succeeded' | 'failed';

export interface WebhookRow {
  id: string;
  organization_id: string;
  event_id: string;
  endpoint_id: string | null;
  webhook_url: string;
  webhook_type: string;
  status: WebhookStatus;
  attempts: number;
  last_http_status: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  succeeded_at: Date | null;
  failed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookDeliveryRow {
  id: string;
  organization_id: string;
  webhook_id: string;
  event_id: string;
  endpoint_id: string | null;
  attempt: number;
  trigger: 'automatic' | 'manual';
  http_status: number | null;
  error: string | null;
  response_body: string | null;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
}

// ---- endpoints ---------------------------------------------------------------------------

function endpointsOf(conn: Conn, organizationId: string) {
  return conn<WebhookEndpointRow>('webhook_endpoints').where({ organization_id: organizationId });
}

export async function findEndpoint(conn: Conn, organizationId: string, id: string): Promise<WebhookEndpointRow | undefined> {
  if (!isUuid(id)) return undefined;
  return endpointsOf(conn, organizationId).where({ id }).first();
}

/** An organization's endpoints, newest first. */
export async function listEndpoints(conn: Conn, organizationId: string, page: Page): Promise<Paginated<WebhookEndpointRow>> {
  return paginate<WebhookEndpointRow>(endpointsOf(conn, organizationId).orderBy('created_at', 'desc'), page);
}

export async function countEndpoints(conn: Conn, organizationId: string): Promise<number> {
  const [{ count }] = (await endpointsOf(conn, organizationId).count({ count: '*' })) as [{ count: string | number }];
  return Number(count);
}

/** Serializes changes to an organization's set of endpoints until the transaction ends. */
export async function lockEndpointsOf(trx: Tx, organizationId: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`webhook_endpoints:${organizationId}`]);
}

export interface EndpointFields {
  webhook_url: string;
  signature_algo: 'jwt' | 'hmac';
  name: string | null;
  event_types: string[] | null;
}

export async function insertEndpoint(conn: Conn, organizationId: string, fields: EndpointFields): Promise<WebhookEndpointRow> {
  const [row] = await conn<WebhookEndpointRow>('webhook_endpoints')
    .insert({ ...fields, event_types: jsonOrNull(fields.event_types), organization_id: organizationId } as never)
    .returning('*');
  return row!;
}

export async function updateEndpoint(conn: Conn, organizationId: string, id: string, fields: Partial<EndpointFields>): Promise<WebhookEndpointRow> {
  const changes: Record<string, unknown> = { ...fields, updated_at: conn.fn.now() };
  if ('event_types' in fields) changes.event_types = jsonOrNull(fields.event_types ?? null);
  const [row] = await endpointsOf(conn, organizationId).where({ id }).update(changes as never).returning('*');
  return row!;
}

export async function deleteEndpoint(conn: Conn, organizationId: string, id: string): Promise<void> {
  await endpointsOf(conn, organizationId).where({ id }).delete();
}

function jsonOrNull(value: string[] | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

// ---- events (outbox) ---------------------------------------------------------------------

export type WebhookEventFields = Pick<WebhookEventRow, 'organization_id' | 'webhook_type' | 'object_type' | 'object_id' | 'idempotency_key' | 'payload'>;

/**
 * Adds an event to the outbox with one delivery per endpoint that wants its type now, in one
 * statement; returns the event's id, or null when an event with the same idempotency key exists
 * already (then nothing is written; a null key never conflicts).
 */
export async function insertWebhookEventWithDeliveries(conn: Conn, fields: WebhookEventFields): Promise<string | null> {
  const { rows } = await conn.raw(`
    WITH event AS (
      INSERT INTO webhook_events (organization_id, webhook_type, object_type, object_id, idempotency_key, payload)
      VALUES (?, ?, ?, ?, ?, ?::json)
      ON CONFLICT (organization_id, idempotency_key) DO NOTHING
      RETURNING id, organization_id, webhook_type
    ), deliveries AS (
      INSERT INTO webhooks (organization_id, event_id, endpoint_id, webhook_url, webhook_type)
      SELECT event.organization_id, event.id, endpoint.id, endpoint.webhook_url, event.webhook_type
      FROM event JOIN webhook_endpoints endpoint ON endpoint.organization_id = event.organization_id
        AND (endpoint.event_types IS NULL OR endpoint.event_types \\? event.webhook_type)
      ORDER BY endpoint.created_at
    )
    SELECT id FROM event`,
  [fields.organization_id, fields.webhook_type, fields.object_type, fields.object_id, fields.idempotency_key, JSON.stringify(fields.payload)]) as { rows: { id: string }[] };
  return rows[0]?.id ?? null;
}

export async function findEvent(conn: Conn, organizationId: string, id: string): Promise<WebhookEventRow | undefined> {
  return conn<WebhookEventRow>('webhook_events').where({ organization_id: organizationId, id }).first();
}

/**
 * The oldest events not yet dispatched, locked until the transaction ends; rows another relay
 * holds are skipped, so concurrent relays share the outbox.
 */
export async function claimPendingEvents(trx: Tx, limit: number): Promise<WebhookEventRow[]> {
  return trx<WebhookEventRow>('webhook_events')
    .whereNull('dispatched_at')
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .limit(limit)
    .forUpdate()
    .skipLocked();
}

export async function markEventsDispatched(trx: Tx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx('webhook_events').whereIn('id', [...ids]).update({ dispatched_at: trx.fn.now() });
}

// ---- webhooks (delivery state) -------------------------------------------------------------

function webhooksOf(conn: Conn, organizationId: string) {
  return conn<WebhookRow>('webhooks').where({ organization_id: organizationId });
}

export async function findWebhook(conn: Conn, organizationId: string, id: string): Promise<WebhookRow | undefined> {
  if (!isUuid(id)) return undefined;
  return webhooksOf(conn, organizationId).where({ id }).first();
}

export interface WebhookFilters {
  status?: WebhookStatus;
  webhookType?: string;
  endpointId?: string;
}

/** An organization's webhooks, newest first. */
export async function listWebhooks(conn: Conn, organizationId: string, filters: WebhookFilters, page: Page): Promise<Paginated<WebhookRow>> {
  let query = webhooksOf(conn, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  if (filters.status !== undefined) query = query.where('status', filters.status);
  if (filters.webhookType !== undefined) query = query.where('webhook_type', filters.webhookType);
  if (filters.endpointId !== undefined) query = query.where('endpoint_id', filters.endpointId);
  return paginate<WebhookRow>(query, page);
}

/** Creates the delivery of an event to each endpoint once; returns every delivery of the event. */
/** One delivery row per endpoint for the event (an existing pair is kept). */
export async function insertWebhooks(conn: Conn, event: Pick<WebhookEventRow, 'id' | 'organization_id' | 'webhook_type'>, endpoints: WebhookEndpointRow[]): Promise<void> {
  if (endpoints.length === 0) return;
  await conn('webhooks')
    .insert(endpoints.map((endpoint) => ({
      organization_id: event.organization_id,
      event_id: event.id,
      endpoint_id: endpoint.id,
      webhook_url: endpoint.webhook_url,
      webhook_type: event.webhook_type,
    })))
    .onConflict(['event_id', 'endpoint_id'])
    .ignore();
}

/**
 * For each of these events, a delivery per endpoint of its organization that wants its type now
 * (one it has already is kept); answers every delivery of the events, oldest first. One statement
 * for a relay's whole claim.
 */
export async function ensureDeliveriesOfEvents(trx: Tx, eventIds: readonly string[]): Promise<WebhookRow[]> {
  if (eventIds.length === 0) return [];
  const { rows } = await trx.raw(`
    WITH added AS (
      INSERT INTO webhooks (organization_id, event_id, endpoint_id, webhook_url, webhook_type)
      SELECT event.organization_id, event.id, endpoint.id, endpoint.webhook_url, event.webhook_type
      FROM webhook_events event JOIN webhook_endpoints endpoint ON endpoint.organization_id = event.organization_id
        AND (endpoint.event_types IS NULL OR endpoint.event_types \\? event.webhook_type)
      WHERE event.id = ANY(?::uuid[])
      ORDER BY event.created_at, event.id, endpoint.created_at
      ON CONFLICT (event_id, endpoint_id) DO NOTHING
      RETURNING *
    )
    SELECT * FROM added UNION ALL SELECT * FROM webhooks WHERE event_id = ANY(?::uuid[])
    ORDER BY created_at, id`, [eventIds, eventIds]) as { rows: WebhookRow[] };
  return rows;
}

export async function ensureWebhooks(conn: Conn, event: WebhookEventRow, endpoints: WebhookEndpointRow[]): Promise<WebhookRow[]> {
  await insertWebhooks(conn, event, endpoints);
  return webhooksOf(conn, event.organization_id).where({ event_id: event.id }).orderBy('created_at');
}

/** Counts one more attempt on a webhook; returns its number (1 for the first). */
export async function countWebhookAttempt(conn: Conn, id: string): Promise<number> {
  const [{ attempts }] = (await conn('webhooks').where({ id })
    .update({ attempts: conn.raw('attempts + 1'), last_attempt_at: conn.fn.now(), updated_at: conn.fn.now() })
    .returning('attempts')) as [{ attempts: number }];
  return attempts;
}

export async function markWebhookSucceeded(conn: Conn, id: string, httpStatus: number): Promise<void> {
  await conn('webhooks').where({ id })
    .update({ status: 'succeeded', last_http_status: httpStatus, last_error: null, succeeded_at: conn.fn.now(), updated_at: conn.fn.now() });
}

/** A failed attempt: the webhook is retrying, unless it is settled already (failed or succeeded). */
export async function markWebhookAttemptFailed(conn: Conn, id: string, httpStatus: number | null, error: string): Promise<void> {
  await conn('webhooks').where({ id }).update({
    status: conn.raw("CASE WHEN status IN ('failed', 'succeeded') THEN status ELSE 'retrying' END"),
    last_http_status: httpStatus,
    last_error: error,
    updated_at: conn.fn.now(),
  });
}

/** A webhook whose endpoint is gone can never be delivered. */
export async function markWebhookEndpointDeleted(conn: Conn, id: string): Promise<void> {
  await conn('webhooks').where({ id }).update({ status: 'failed', last_error: 'endpoint deleted', failed_at: conn.fn.now(), updated_at: conn.fn.now() });
}

/** Retries are over: failed, unless an attempt succeeded meanwhile. */
export async function markWebhookFailed(conn: Conn, organizationId: string, id: string): Promise<void> {
  await webhooksOf(conn, organizationId).where({ id }).whereNot({ status: 'succeeded' })
    .update({ status: 'failed', failed_at: conn.fn.now(), updated_at: conn.fn.now() } as never);
}

// ---- deliveries (attempt log) --------------------------------------------------------------

function deliveriesOf(conn: Conn, organizationId: string) {
  return conn<WebhookDeliveryRow>('webhook_deliveries').where({ organization_id: organizationId });
}

export interface DeliveryStart {
  organization_id: string;
  webhook_id: string;
  event_id: string;
  endpoint_id: string;
  attempt: number;
  trigger: 'automatic' | 'manual';
}

/** Logs the start of an attempt; returns the log row's id. */
export async function insertDelivery(conn: Conn, start: DeliveryStart): Promise<string> {
  const [{ id }] = (await conn('webhook_deliveries').insert(start).returning('id')) as [{ id: string }];
  return id;
}

export interface DeliveryOutcome {
  httpStatus: number | null;
  error: string | null;
  responseBody: string | null;
  durationMs: number;
}

export async function finishDelivery(conn: Conn, id: string, outcome: DeliveryOutcome): Promise<void> {
  await conn('webhook_deliveries').where({ id }).update({
    http_status: outcome.httpStatus,
    error: outcome.error,
    response_body: outcome.responseBody,
    finished_at: conn.fn.now(),
    duration_ms: outcome.durationMs,
  });
}

/** Every attempt of one webhook, first first. */
export async function deliveriesOfWebhook(conn: Conn, organizationId: string, webhookId: string): Promise<WebhookDeliveryRow[]> {
  return deliveriesOf(conn, organizationId).where({ webhook_id: webhookId }).orderBy('attempt');
}

/** Every attempt to one endpoint, newest first. */
export async function listEndpointDeliveries(conn: Conn, organizationId: string, endpointId: string, page: Page): Promise<Paginated<WebhookDeliveryRow>> {
  const query = deliveriesOf(conn, organizationId).where({ endpoint_id: endpointId })
    .orderBy([{ column: 'started_at', order: 'desc' }, { column: 'attempt', order: 'desc' }]);
  return paginate<WebhookDeliveryRow>(query, page);
}
