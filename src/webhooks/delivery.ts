/**
 * One delivery attempt of one webhook (an event to one endpoint): sign the body, POST it with a
 * timeout, and log the attempt in `webhook_deliveries` whatever happens. Retrying is not done
 * here: Temporal retries the activity that calls this (see README.md).
 */
import type { Db } from '../db/knex';
import { findOrganization } from '../db/organizations';
import { findEndpoint, findEvent, findWebhook, type WebhookRow } from '../db/webhooks';
import { logger } from '../runtime/logger';
import { hmacSignature, jwtSignature, webhookSigningKey } from './signing';
import { elapsedMs, monotonicMs } from '../runtime/clock';

export interface DeliverySettings {
  /** The `iss` of JWT signatures (config.publicUrl). */
  publicUrl: string;
  /** Per-request timeout (Lago: 30 s). */
  timeoutMs: number;
}

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
    await db('webhooks').where({ id: webhook.id }).update({ status: 'failed', last_error: 'endpoint deleted', failed_at: db.fn.now(), updated_at: db.fn.now() });
    return { result: 'skipped', reason: 'endpoint_deleted' };
  }
  const [event, organization] = await Promise.all([findEvent(db, input.organizationId, webhook.event_id), findOrganization(db, input.organizationId)]);
  if (!event || !organization) throw new Error(`Webhook ${webhook.id} lost its event or organization`);

  const [{ attempts: attempt }] = (await db('webhooks').where({ id: webhook.id })
    .update({ attempts: db.raw('attempts + 1'), last_attempt_at: db.fn.now(), updated_at: db.fn.now() })
    .returning('attempts')) as [{ attempts: number }];
  const [delivery] = (await db('webhook_deliveries')
    .insert({ organization_id: webhook.organization_id, webhook_id: webhook.id, event_id: event.id, endpoint_id: endpoint.id, attempt, trigger: input.trigger })
    .returning('id')) as [{ id: string }];

  const body = JSON.stringify(event.payload);
  const signature = endpoint.signature_algo === 'hmac'
    ? hmacSignature(organization.hmac_key, body)
    : jwtSignature((await webhookSigningKey(db)).privateKey, body, settings.publicUrl);
  const started = monotonicMs();
  let httpStatus: number | null = null;
  let error: string | null = null;
  let responseBody: string | null = null;
  try {
    const response = await fetch(endpoint.webhook_url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Billow-Webhooks/1',
        'X-Lago-Signature': signature,
        'X-Lago-Signature-Algorithm': endpoint.signature_algo,
        'X-Lago-Unique-Key': webhook.id,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    httpStatus = response.status;
    responseBody = (await response.text().catch(() => '')).slice(0, RESPONSE_EXCERPT);
    if (httpStatus < 200 || httpStatus > 299) error = `HTTP ${httpStatus}`;
  } catch (caught) {
    const failure = caught as Error & { cause?: { code?: string; message?: string } };
    error = failure.name === 'TimeoutError' ? `timeout after ${settings.timeoutMs} ms` : (failure.cause?.code ?? failure.cause?.message ?? failure.message);
  }
  const succeeded = error === null;
  await db('webhook_deliveries').where({ id: delivery.id }).update({
    http_status: httpStatus, error, response_body: responseBody, finished_at: db.fn.now(), duration_ms: Math.round(elapsedMs(started)),
  });
  await db('webhooks').where({ id: webhook.id }).update(succeeded
    ? { status: 'succeeded', last_http_status: httpStatus, last_error: null, succeeded_at: db.fn.now(), updated_at: db.fn.now() }
    : { status: db.raw("CASE WHEN status IN ('failed', 'succeeded') THEN status ELSE 'retrying' END"), last_http_status: httpStatus, last_error: error, updated_at: db.fn.now() });
  const log = { webhookId: webhook.id, eventId: event.id, webhookType: event.webhook_type, endpoint: endpoint.webhook_url, attempt, httpStatus, trigger: input.trigger };
  if (succeeded) {
    logger.info(log, 'webhook delivered');
    return { result: 'succeeded', attempt, httpStatus: httpStatus! };
  }
  logger.warn({ ...log, error }, 'webhook delivery failed');
  return { result: 'failed', attempt, httpStatus, error: error! };
}

/** After the last automatic attempt: the webhook stays failed until someone retries it by hand. */
export async function markWebhookFailed(db: Db, input: { organizationId: string; webhookId: string }): Promise<void> {
  await db<WebhookRow>('webhooks')
    .where({ organization_id: input.organizationId, id: input.webhookId })
    .whereNot({ status: 'succeeded' })
    .update({ status: 'failed', failed_at: db.fn.now(), updated_at: db.fn.now() } as never);
}
