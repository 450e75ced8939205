/**
 * Webhook endpoints, the outbox of webhook events, one delivery state per (event, endpoint)
 * and the log of every attempt. Every read is scoped by organization.
 */
import type { Knex } from 'knex';
import type { Db } from './knex';

type Queryable = Db | Knex.Transaction;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

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

export const MAX_ENDPOINTS_PER_ORGANIZATION = 10;

// ---- endpoints ---------------------------------------------------------------------------

export function endpointsOf(db: Queryable, organizationId: string) {
  return db<WebhookEndpointRow>('webhook_endpoints').where({ organization_id: organizationId });
}

export async function findEndpoint(db: Queryable, organizationId: string, id: string): Promise<WebhookEndpointRow | undefined> {
  if (!isUuid(id)) return undefined;
  return endpointsOf(db, organizationId).where({ id }).first();
}

export interface EndpointFields {
  webhook_url: string;
  signature_algo: 'jwt' | 'hmac';
  name: string | null;
  event_types: string[] | null;
}

export async function insertEndpoint(trx: Queryable, organizationId: string, fields: EndpointFields): Promise<WebhookEndpointRow> {
  const [row] = await trx<WebhookEndpointRow>('webhook_endpoints')
    .insert({ ...fields, event_types: jsonOrNull(fields.event_types), organization_id: organizationId } as never)
    .returning('*');
  return row!;
}

export async function updateEndpoint(trx: Queryable, organizationId: string, id: string, fields: Partial<EndpointFields>): Promise<WebhookEndpointRow> {
  const changes: Record<string, unknown> = { ...fields, updated_at: trx.fn.now() };
  if ('event_types' in fields) changes.event_types = jsonOrNull(fields.event_types ?? null);
  const [row] = await endpointsOf(trx, organizationId).where({ id }).update(changes as never).returning('*');
  return row!;
}

export async function deleteEndpoint(trx: Queryable, organizationId: string, id: string): Promise<void> {
  await endpointsOf(trx, organizationId).where({ id }).delete();
}

/** The endpoints that want an event type (event_types null = all). */
export async function endpointsFor(db: Queryable, organizationId: string, webhookType: string): Promise<WebhookEndpointRow[]> {
  return endpointsOf(db, organizationId)
    .where((q) => q.whereNull('event_types').orWhereRaw('event_types \\? ?', [webhookType]))
    .orderBy('created_at');
}

function jsonOrNull(value: string[] | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

// ---- events (outbox) ---------------------------------------------------------------------

export async function findEvent(db: Queryable, organizationId: string, id: string): Promise<WebhookEventRow | undefined> {
  return db<WebhookEventRow>('webhook_events').where({ organization_id: organizationId, id }).first();
}

// ---- webhooks (delivery state) -------------------------------------------------------------

export function webhooksOf(db: Queryable, organizationId: string) {
  return db<WebhookRow>('webhooks').where({ organization_id: organizationId });
}

export async function findWebhook(db: Queryable, organizationId: string, id: string): Promise<WebhookRow | undefined> {
  if (!isUuid(id)) return undefined;
  return webhooksOf(db, organizationId).where({ id }).first();
}

/** Creates the delivery of an event to each endpoint once; returns every delivery of the event. */
export async function ensureWebhooks(trx: Queryable, event: WebhookEventRow, endpoints: WebhookEndpointRow[]): Promise<WebhookRow[]> {
  if (endpoints.length > 0) {
    await trx('webhooks')
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
  return webhooksOf(trx, event.organization_id).where({ event_id: event.id }).orderBy('created_at');
}

// ---- deliveries (attempt log) --------------------------------------------------------------

export function deliveriesOf(db: Queryable, organizationId: string) {
  return db<WebhookDeliveryRow>('webhook_deliveries').where({ organization_id: organizationId });
}
