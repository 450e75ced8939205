/** Webhook endpoints (reference §1.10), webhooks (one event to one endpoint) and delivery attempts. */
import { z } from 'zod';
import type { WebhookDeliveryRow, WebhookEndpointRow, WebhookRow } from '../db/webhooks';
import { isoMillis, isoSeconds, responseSchemas, wire } from './common';

export const webhookEndpointSchema = z.object({
  lago_id: wire.uuid,
  lago_organization_id: wire.uuid,
  webhook_url: z.string(),
  signature_algo: z.enum(['jwt', 'hmac']),
  name: z.string().nullable(),
  /** The webhook types sent to it; null: every type. */
  event_types: z.array(z.string()).nullable(),
  created_at: wire.dateTime,
  updated_at: wire.dateTime,
}).register(responseSchemas, { id: 'WebhookEndpoint' });
export type WebhookEndpointJson = z.output<typeof webhookEndpointSchema>;

export function serializeWebhookEndpoint(endpoint: WebhookEndpointRow): WebhookEndpointJson {
  return {
    lago_id: endpoint.id,
    lago_organization_id: endpoint.organization_id,
    webhook_url: endpoint.webhook_url,
    signature_algo: endpoint.signature_algo,
    name: endpoint.name,
    event_types: endpoint.event_types,
    created_at: isoSeconds(endpoint.created_at),
    updated_at: isoSeconds(endpoint.updated_at),
  };
}

export const webhookDeliverySchema = z.object({
  lago_id: wire.uuid,
  lago_webhook_id: wire.uuid,
  lago_webhook_endpoint_id: wire.uuid.nullable(),
  lago_event_id: wire.uuid,
  attempt: z.number().int(),
  trigger: z.enum(['automatic', 'manual']),
  http_status: z.number().int().nullable(),
  error: z.string().nullable(),
  response_body: z.string().nullable(),
  started_at: wire.dateTime,
  finished_at: wire.dateTime.nullable(),
  duration_ms: z.number().nullable(),
}).register(responseSchemas, { id: 'WebhookDelivery' });
export type WebhookDeliveryJson = z.output<typeof webhookDeliverySchema>;

export function serializeDelivery(delivery: WebhookDeliveryRow): WebhookDeliveryJson {
  return {
    lago_id: delivery.id,
    lago_webhook_id: delivery.webhook_id,
    lago_webhook_endpoint_id: delivery.endpoint_id,
    lago_event_id: delivery.event_id,
    attempt: delivery.attempt,
    trigger: delivery.trigger,
    http_status: delivery.http_status,
    error: delivery.error,
    response_body: delivery.response_body,
    started_at: isoMillis(delivery.started_at),
    finished_at: isoMillis(delivery.finished_at),
    duration_ms: delivery.duration_ms,
  };
}

export const webhookSchema = z.object({
  lago_id: wire.uuid,
  lago_webhook_endpoint_id: wire.uuid.nullable(),
  lago_event_id: wire.uuid,
  webhook_url: z.string(),
  webhook_type: z.string(),
  status: z.enum(['pending', 'retrying', 'succeeded', 'failed']),
  attempts: z.number().int(),
  retries: z.number().int(),
  http_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  last_attempt_at: wire.dateTime.nullable(),
  succeeded_at: wire.dateTime.nullable(),
  failed_at: wire.dateTime.nullable(),
  created_at: wire.dateTime,
  updated_at: wire.dateTime,
  /** The body sent (GET /webhooks/:id only). */
  payload: z.record(z.string(), z.unknown()).optional(),
  /** Every attempt (GET /webhooks/:id and the retry). */
  deliveries: z.array(webhookDeliverySchema).optional(),
}).register(responseSchemas, { id: 'Webhook' });
export type WebhookJson = z.output<typeof webhookSchema>;

export function serializeWebhook(webhook: WebhookRow, extra: { payload?: unknown; deliveries?: WebhookDeliveryRow[] } = {}): WebhookJson {
  return {
    lago_id: webhook.id,
    lago_webhook_endpoint_id: webhook.endpoint_id,
    lago_event_id: webhook.event_id,
    webhook_url: webhook.webhook_url,
    webhook_type: webhook.webhook_type,
    status: webhook.status,
    attempts: webhook.attempts,
    retries: Math.max(0, webhook.attempts - 1),
    http_status: webhook.last_http_status,
    last_error: webhook.last_error,
    last_attempt_at: isoSeconds(webhook.last_attempt_at),
    succeeded_at: isoSeconds(webhook.succeeded_at),
    failed_at: isoSeconds(webhook.failed_at),
    created_at: isoSeconds(webhook.created_at),
    updated_at: isoSeconds(webhook.updated_at),
    ...(extra.payload !== undefined ? { payload: extra.payload as Record<string, unknown> } : {}),
    ...(extra.deliveries ? { deliveries: extra.deliveries.map(serializeDelivery) } : {}),
  };
}
