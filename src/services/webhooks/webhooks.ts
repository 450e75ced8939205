/**
 * The webhooks sent (one event to one endpoint): listing and reading them with their attempts, a
 * manual retry, and the instance's public key that JWT signatures are checked with.
 */
import type { Db } from '../../db/knex';
import {
  deliveriesOfWebhook, findEvent, findWebhook, listWebhooks as listWebhookRows,
  type WebhookDeliveryRow, type WebhookRow, type WebhookStatus,
} from '../../db/webhooks';
import { invalidField, isUuid, notFound } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { attemptDelivery, deliverySettings } from '../../webhooks/delivery';
import { publicKeyBase64, webhookPublicKeyPem } from '../../webhooks/signing';

const STATUSES: readonly string[] = ['pending', 'retrying', 'succeeded', 'failed'] satisfies WebhookStatus[];
const isStatus = (value: string): value is WebhookStatus => STATUSES.includes(value);

/** The list's filters as the client gave them; each is checked here. */
export interface WebhookListFilters {
  status?: string;
  webhook_type?: string;
  webhook_endpoint_id?: string;
}

export interface WebhookWithLog {
  webhook: WebhookRow;
  /** Every attempt, first first. */
  deliveries: WebhookDeliveryRow[];
}

export async function listWebhooks(db: Db, organizationId: string, filters: WebhookListFilters, page: Page): Promise<Paginated<WebhookRow>> {
  const { status, webhook_type: webhookType, webhook_endpoint_id: endpointId } = filters;
  if (status !== undefined && !isStatus(status)) throw invalidField('status', 'value_is_invalid');
  if (endpointId !== undefined && !isUuid(endpointId)) throw invalidField('webhook_endpoint_id', 'value_is_invalid');
  return listWebhookRows(db, organizationId, { status, webhookType, endpointId }, page);
}

async function requireWebhook(db: Db, organizationId: string, id: string): Promise<WebhookRow> {
  const webhook = await findWebhook(db, organizationId, id);
  if (!webhook) throw notFound('webhook');
  return webhook;
}

/** A webhook with the payload it sends and its attempts. */
export async function showWebhook(db: Db, organizationId: string, id: string): Promise<WebhookWithLog & { payload: unknown }> {
  const webhook = await requireWebhook(db, organizationId, id);
  const [event, deliveries] = await Promise.all([findEvent(db, organizationId, webhook.event_id), deliveriesOfWebhook(db, organizationId, webhook.id)]);
  return { webhook, deliveries, payload: event?.payload ?? null };
}

/** One more attempt, now, whatever the webhook's state; the answer shows how it went. */
export async function retryWebhook(db: Db, publicUrl: string, organizationId: string, id: string): Promise<WebhookWithLog> {
  const webhook = await requireWebhook(db, organizationId, id);
  await attemptDelivery(db, deliverySettings(publicUrl), { organizationId, webhookId: webhook.id, trigger: 'manual' });
  const [updated, deliveries] = await Promise.all([findWebhook(db, organizationId, webhook.id), deliveriesOfWebhook(db, organizationId, webhook.id)]);
  return { webhook: updated!, deliveries };
}

/** The PEM of the installation's JWT signing key, base64-encoded (the same for every organization). */
export async function webhookPublicKey(db: Db): Promise<string> {
  return publicKeyBase64(await webhookPublicKeyPem(db));
}
