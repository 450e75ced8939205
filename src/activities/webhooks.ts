/** Activities that deliver webhooks. An attempt that fails throws, so Temporal retries it. */
import { ApplicationFailure } from '@temporalio/activity';
import { loadConfig } from '../runtime/config';
import { attemptDelivery, markWebhookFailed, type DeliverySettings } from '../webhooks/delivery';
import type { Db } from '../db/knex';

export interface WebhookActivityDeps {
  db: Db;
  /** Signature issuer and request timeout; from the configuration when absent. */
  webhookDelivery?: DeliverySettings;
}

let fromConfig: DeliverySettings | null = null;
function configuredDelivery(): DeliverySettings {
  fromConfig ??= { publicUrl: loadConfig().publicUrl, timeoutMs: 30_000 };
  return fromConfig;
}

export function webhookActivities(deps: WebhookActivityDeps) {
  return {
    /** One attempt to POST a webhook to its endpoint; non-2xx or network errors throw (retryable). */
    async deliverWebhook(input: { organizationId: string; webhookId: string }): Promise<{ attempt: number | null; status: string }> {
      const outcome = await attemptDelivery(deps.db, deps.webhookDelivery ?? configuredDelivery(), { ...input, trigger: 'automatic' });
      if (outcome.result === 'failed') {
        throw ApplicationFailure.retryable(`Attempt ${outcome.attempt} failed: ${outcome.error}`, 'WebhookDeliveryFailed');
      }
      return outcome.result === 'succeeded' ? { attempt: outcome.attempt, status: 'succeeded' } : { attempt: null, status: outcome.reason };
    },

    /** Marks a webhook failed once Temporal has given up on it. */
    async markWebhookFailed(input: { organizationId: string; webhookId: string }): Promise<void> {
      await markWebhookFailed(deps.db, input);
    },
  };
}
