/**
 * One delivery attempt of one webhook (an event to one endpoint): sign the body, POST it with a
 * timeout, and log the attempt in `webhook_deliveries` whatever happens. Retrying is not done
 * here: Temporal retries the activity that calls this (see README.md).
 */
import type { Db } from '../db/knex';
import { findOrganization } from '../db/organizations';
import {
  countWebhookAttempt, findEndpoint, findEvent, findWebhook, finishDelivery, insertDelivery,
  markWebhookAttemptFailed, markWebhookEndpointDeleted, markWebhookFailed as markFailed, markWebhookSucceeded, type WebhookEndpointRow,
} from '../db/webhooks';
import { logger } from '../runtime/logger';
import { hmacSignature, jwtSignature, webhookSigningKey } from './signing';
import { elapsedMs, monotonicMs } from '../runtime/clock';

export interface DeliverySettings {
  /** The `iss` of JWT signatures (config.publicUrl). */
  publicUrl: string;
  /** Per-request timeout (Lago: 30 s). */
  timeoutMs: number;
}

/** Lago's per-request timeout. */
export const DELIVERY_TIMEOUT_MS = 30_000;

export const deliverySettings = (publicUrl: string): DeliverySettings => ({ publicUrl, timeoutMs: DELIVERY_TIMEOUT_MS });

export type AttemptOutcome =
  | { result: 'succeeded'; attempt: number; httpStatus: number }
  | { result: 'failed'; attempt: number; httpStatus: number | null; error: string }
  | { result: 'skipped'; reason: 'already_succeeded' | 'endpoint_deleted' };

const RESPONSE_EXCERPT = 2_000;

export async function attemptDelivery(
  db: Db,
  settings: DeliverySettings,
  input: { organizationId: string; webhookId: string; trigger: 'automatic' | 'manual' },
): Promise<AttemptOutcome> {
  const webhook = await findWebhook(db, input.organizationId, input.webhookId);
  if (!webhook) throw new Error(`Webhook ${input.webhookId} does not exist`);
  if (input.trigger === 'automatic' && webhook.status === 'succeeded') return { result: 'skipped', reason: 'already_succeeded' };
  const endpoint = webhook.endpoint_id ? await findEndpoint(db, input.organizationId, webhook.endpoint_id) : undefined;
  if (!endpoint) {
    await markWebhookEndpointDeleted(db, webhook.id);
    return { result: 'skipped', reason: 'endpoint_deleted' };
  }
  const [event, organization] = await Promise.all([findEvent(db, input.organizationId, webhook.event_id), findOrganization(db, input.organizationId)]);
  if (!event || !organization) throw new Error(`Webhook ${webhook.id} lost its event or organization`);

  const attempt = await countWebhookAttempt(db, webhook.id);
  const deliveryId = await insertDelivery(db, {
    organization_id: webhook.organization_id, webhook_id: webhook.id, event_id: event.id, endpoint_id: endpoint.id, attempt, trigger: input.trigger,
  });

  const body = JSON.stringify(event.payload);
  const signature = endpoint.signature_algo === 'hmac'
    ? hmacSignature(organization.hmac_key, body)
    : jwtSignature((await webhookSigningKey(db)).privateKey, body, settings.publicUrl);
  const started = monotonicMs();
  const { httpStatus, error, responseBody } = await post(endpoint, { body, signature, uniqueKey: webhook.id }, settings.timeoutMs);
  await finishDelivery(db, deliveryId, { httpStatus, error, responseBody, durationMs: Math.round(elapsedMs(started)) });
  const log = { webhookId: webhook.id, eventId: event.id, webhookType: event.webhook_type, endpoint: endpoint.webhook_url, attempt, httpStatus, trigger: input.trigger };
  if (error === null) {
    await markWebhookSucceeded(db, webhook.id, httpStatus!);
    logger.info(log, 'webhook delivered');
    return { result: 'succeeded', attempt, httpStatus: httpStatus! };
  }
  await markWebhookAttemptFailed(db, webhook.id, httpStatus, error);
  logger.warn({ ...log, error }, 'webhook delivery failed');
  return { result: 'failed', attempt, httpStatus, error };
}

interface Answer {
  httpStatus: number | null;
  /** Null when the receiver answered 2xx. */
  error: string | null;
  responseBody: string | null;
}

/** POSTs a signed body; any non-2xx answer, timeout or network error is an error, never a throw. */
async function post(
  endpoint: Pick<WebhookEndpointRow, 'webhook_url' | 'signature_algo'>,
  request: { body: string; signature: string; uniqueKey: string },
  timeoutMs: number,
): Promise<Answer> {
  try {
    const response = await fetch(endpoint.webhook_url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Billow-Webhooks/1',
        'X-Lago-Signature': request.signature,
        'X-Lago-Signature-Algorithm': endpoint.signature_algo,
        'X-Lago-Unique-Key': request.uniqueKey,
      },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const responseBody = (await response.text().catch(() => '')).slice(0, RESPONSE_EXCERPT);
    const ok = response.status >= 200 && response.status <= 299;
    return { httpStatus: response.status, error: ok ? null : `HTTP ${response.status}`, responseBody };
  } catch (caught) {
    const failure = caught as Error & { cause?: { code?: string; message?: string } };
    const error = failure.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (failure.cause?.code ?? failure.cause?.message ?? failure.message);
    return { httpStatus: null, error, responseBody: null };
  }
}

/** After the last automatic attempt: the webhook stays failed until someone retries it by hand. */
export async function markWebhookFailed(db: Db, input: { organizationId: string; webhookId: string }): Promise<void> {
  await markFailed(db, input.organizationId, input.webhookId);
}
