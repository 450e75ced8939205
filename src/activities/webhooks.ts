/** Activities that deliver webhooks. An attempt that fails throws, so Temporal retries it. */
import { ApplicationFailure } from '@temporalio/activity';
import { loadConfig } from '../runtime/config';
import { attemptDelivery, deliverySettings, markWebhookFailed, type DeliverySettings } from '../services/webhooks';
import type { ActivityDeps } from './deps';

export interface WebhookActivityDeps extends ActivityDeps {
  /** Signature issuer and request timeout; from the configuration when absent. */
  webhookDelivery?: DeliverySettings;
}

let fromConfig: DeliverySettings | null = null;
function configuredDelivery(): DeliverySettings {
  fromConfig ??= deliverySettings(loadConfig().publicUrl);
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
