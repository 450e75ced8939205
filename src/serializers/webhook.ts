/** Webhook endpoints (reference §1.10), webhooks (one event to one endpoint) and delivery attempts. */
import type { WebhookDeliveryRow, WebhookEndpointRow, WebhookRow } from '../db/webhooks';
import { isoSeconds } from './common';

export function serializeWebhookEndpoint(endpoint: WebhookEndpointRow) {
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

export function serializeDelivery(delivery: WebhookDeliveryRow) {
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
    started_at: delivery.started_at.toISOString(),
    finished_at: delivery.finished_at ? delivery.finished_at.toISOString() : null,
    duration_ms: delivery.duration_ms,
  };
}

export function serializeWebhook(webhook: WebhookRow, extra: { payload?: unknown; deliveries?: WebhookDeliveryRow[] } = {}) {
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
    ...(extra.payload !== undefined ? { payload: extra.payload } : {}),
    ...(extra.deliveries ? { deliveries: extra.deliveries.map(serializeDelivery) } : {}),
  };
}
