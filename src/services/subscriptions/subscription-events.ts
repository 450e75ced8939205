/**
 * The webhook events of a subscription's life (reference §8): started, updated, terminated,
 * canceled, trial_ended, termination_alert. Call `recordSubscriptionEvent` in the transaction that
 * changes the subscription (or right after it, from an activity that Temporal retries: the
 * idempotency key keeps it once). The object is Lago's `SubscriptionWithCustomerObject`: the
 * subscription with its plan and its customer, each as the API serializes it.
 */
import type { Conn } from '../../db/knex';
import { loadSubscriptionContext } from '../../db/subscription-context';
import { serializeSubscription } from '../../serializers/subscription';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { customerWebhookObject } from '../customers';

export type SubscriptionWebhookType =
  | 'subscription.started' | 'subscription.updated' | 'subscription.terminated' | 'subscription.canceled'
  | 'subscription.trial_ended' | 'subscription.termination_alert';

/** Events that happen once in a subscription's life get a default key; `updated` takes the caller's. */
const ONCE: SubscriptionWebhookType[] = ['subscription.started', 'subscription.terminated', 'subscription.canceled', 'subscription.trial_ended'];

export async function recordSubscriptionEvent(
  trx: Conn,
  input: { subscriptionId: string; webhookType: SubscriptionWebhookType; idempotencyKey?: string },
): Promise<string | null> {
  const { subscription, plan, customer } = await loadSubscriptionContext(trx, input.subscriptionId);
  return recordWebhookEvent(trx, {
    organizationId: subscription.organization_id,
    webhookType: input.webhookType,
    objectType: 'subscription',
    object: { ...serializeSubscription(subscription, { plan, customer }), customer: await customerWebhookObject(trx, subscription.organization_id, customer) },
    idempotencyKey: input.idempotencyKey ?? (ONCE.includes(input.webhookType) ? `${input.webhookType}:${subscription.id}` : undefined),
  });
}
