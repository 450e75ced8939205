/**
 * One delivery attempt of one webhook (an event to one endpoint): sign the body, check where the
 * endpoint's host leads (outbound.ts: address policy, pinned connection, no redirects), POST it with
 * a timeout, and log the attempt in `webhook_deliveries` whatever happens. Retrying is not done
 * here: Temporal retries the activity that calls this (see README.md).
 */
import type { Db } from '../db/knex';
import { findOrganization, organizationHmacKey } from '../db/organizations';
import {
  countWebhookAttempt, findEndpoint, findEvent, findWebhook, finishDelivery, insertDelivery,
  markWebhookAttemptFailed, markWebhookEndpointDeleted, markWebhookFailed as markFailed, markWebhookSucceeded,
} from '../db/webhooks';
import { logger } from '../runtime/logger';
import { hmacSignature, jwtSignature, webhookSigningKey } from './signing';
import { elapsedMs, monotonicMs } from '../runtime/clock';
import { postToTarget, resolveTarget, systemResolver, type OutboundAnswer, type Resolver } from './outbound';

export interface DeliverySettings {
  /** The `iss` of JWT signatures (config.publicUrl). */
  publicUrl: string;
  /** Per-request timeout (Lago: 30 s), from connecting to the last byte read. */
  timeoutMs: number;
  /** How host names are resolved; the system's resolver when absent (tests inject names). */
  resolve?: Resolver;
}

/** Lago's per-request timeout. */
export const DELIVERY_TIMEOUT_MS = 30_000;

/** The most of a receiver's answer read and kept (the rest is never read). */
export const RESPONSE_EXCERPT_BYTES = 4_096;

export const deliverySettings = (publicUrl: string): DeliverySettings => ({ publicUrl, timeoutMs: DELIVERY_TIMEOUT_MS });

export type AttemptOutcome =
  | { result: 'succeeded'; attempt: number; httpStatus: number }
  | { result: 'failed'; attempt: number; httpStatus: number | null; error: string }
  | { result: 'skipped'; reason: 'already_succeeded' | 'endpoint_deleted' };

/** The endpoint's URL for logs: no credentials, no query string (either may carry a token). */
export function loggableUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

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

  // Signed before the attempt is logged: a key that cannot be opened fails the activity without a dangling attempt.
  const body = JSON.stringify(event.payload);
  const signature = endpoint.signature_algo === 'hmac'
    ? hmacSignature(await organizationHmacKey(db, organization.id), body)
    : jwtSignature((await webhookSigningKey(db)).privateKey, body, settings.publicUrl);

  const attempt = await countWebhookAttempt(db, webhook.id);
  const deliveryId = await insertDelivery(db, {
    organization_id: webhook.organization_id, webhook_id: webhook.id, event_id: event.id, endpoint_id: endpoint.id, attempt, trigger: input.trigger,
  });
  const log = {
    webhookId: webhook.id, eventId: event.id, webhookType: event.webhook_type, endpointId: endpoint.id, endpoint: loggableUrl(endpoint.webhook_url), attempt, trigger: input.trigger,
  };
  const started = monotonicMs();
  // Resolved and checked on every attempt (the organization's setting and DNS may have changed).
  const target = await resolveTarget(endpoint.webhook_url, { allowPrivate: organization.webhooks_allow_private_addresses, resolve: settings.resolve ?? systemResolver });
  let answer: OutboundAnswer;
  if (target.kind === 'allowed') {
    answer = await postToTarget(target, {
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Billow-Webhooks/1',
        'X-Lago-Signature': signature,
        'X-Lago-Signature-Algorithm': endpoint.signature_algo,
        'X-Lago-Unique-Key': webhook.id,
      },
      body,
    }, { timeoutMs: settings.timeoutMs, maxResponseBytes: RESPONSE_EXCERPT_BYTES });
  } else {
    // Nothing was sent. The API shows the code only; which address a name led to is for the operator.
    if (target.kind === 'refused') logger.warn({ ...log, ...target.detail }, 'webhook refused: the endpoint leads to an address that is not allowed');
    answer = { httpStatus: null, error: target.error, responseBody: null };
  }
  const { httpStatus, error, responseBody } = answer;
  await finishDelivery(db, deliveryId, { httpStatus, error, responseBody, durationMs: Math.round(elapsedMs(started)) });
  if (error === null) {
    await markWebhookSucceeded(db, webhook.id, httpStatus!);
    logger.info({ ...log, httpStatus }, 'webhook delivered');
    return { result: 'succeeded', attempt, httpStatus: httpStatus! };
  }
  await markWebhookAttemptFailed(db, webhook.id, httpStatus, error);
  logger.warn({ ...log, httpStatus, error }, 'webhook delivery failed');
  return { result: 'failed', attempt, httpStatus, error };
}

/** After the last automatic attempt: the webhook stays failed until someone retries it by hand. */
export async function markWebhookFailed(db: Db, input: { organizationId: string; webhookId: string }): Promise<void> {
  await markFailed(db, input.organizationId, input.webhookId);
}
