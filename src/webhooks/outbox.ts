/**
 * The transactional outbox. A service that changes something a webhook reports calls
 * `recordWebhookEvent(trx, ...)` inside the same transaction: the event exists if and only if
 * the change committed. The relay (relay.ts) hands committed events to Temporal.
 */
import type { Conn } from '../db/knex';
import { insertWebhookEvent } from '../db/webhooks';
import { isWebhookType, type WebhookType } from './event-types';

export interface WebhookEventInput {
  organizationId: string;
  webhookType: WebhookType;
  /** The payload key of the object, e.g. `invoice`, `subscription`, `credit_note`. */
  objectType: string;
  /** The object as the API serializes it (the same serializer as the REST endpoint). */
  object: Record<string, unknown>;
  /**
   * A business key making the event once-only (e.g. `invoice.generated:<id>`): a second call with
   * the same key records nothing. Use it when the calling code may run twice (activity retries).
   */
  idempotencyKey?: string;
}

/**
 * Records a webhook event in the caller's transaction. Returns the event id, or null when an
 * event with the same idempotency key exists already.
 */
export async function recordWebhookEvent(trx: Conn, input: WebhookEventInput): Promise<string | null> {
  if (!isWebhookType(input.webhookType)) throw new Error(`Unknown webhook type ${String(input.webhookType)}`);
  return insertWebhookEvent(trx, {
    organization_id: input.organizationId,
    webhook_type: input.webhookType,
    object_type: input.objectType,
    object_id: typeof input.object.lago_id === 'string' ? input.object.lago_id : null,
    idempotency_key: input.idempotencyKey ?? null,
    payload: {
      webhook_type: input.webhookType,
      object_type: input.objectType,
      organization_id: input.organizationId,
      [input.objectType]: input.object,
    },
  });
}
