/**
 * Activities that deliver webhooks. A single delivery's failed attempt throws, so Temporal retries
 * it; a burst's first attempts are one activity, which returns the deliveries that failed.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { forEachConcurrently } from '../runtime/concurrency';
import { loadConfig } from '../runtime/config';
import { attemptDelivery, deliverySettings, markWebhookFailed, type DeliverySettings } from '../services/webhooks';
import type { ActivityDeps } from './deps';

export interface WebhookActivityDeps extends ActivityDeps {
  /** Signature issuer and request timeout; from the configuration when absent. */
  webhookDelivery?: DeliverySettings;
}

/** Deliveries of a burst in flight at once (each waits on a receiver; the database sees a few statements each). */
const BATCH_CONCURRENCY = 10;

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

    /**
     * The first attempt of each delivery of a burst, at most BATCH_CONCURRENCY at once (a
     * heartbeat after each): the deliveries whose attempt failed are returned, for the workflow to
     * retry each on its own schedule. A retry of the whole activity (a lost worker) skips the
     * deliveries that succeeded. An attempt that throws (it could not read or write its rows) is
     * returned with the failed ones: the others of the burst are not attempted again.
     */
    async deliverWebhooksOnce(input: { deliveries: { organizationId: string; webhookId: string }[] }): Promise<{ failed: { organizationId: string; webhookId: string }[] }> {
      const failed: { organizationId: string; webhookId: string }[] = [];
      let done = 0;
      await forEachConcurrently(input.deliveries, BATCH_CONCURRENCY, async (delivery) => {
        try {
          const outcome = await attemptDelivery(deps.db, deps.webhookDelivery ?? configuredDelivery(), { ...delivery, trigger: 'automatic' });
          if (outcome.result === 'failed') failed.push(delivery);
        } catch (error) {
          // An attempt that could not run (the database busy or lost): it goes on alone, not the whole burst again.
          Context.current().log.warn('webhook attempt could not run; the workflow tries it again alone', { ...delivery, error: String(error) });
          failed.push(delivery);
        }
        Context.current().heartbeat(++done);
      });
      return { failed };
    },

    /** Marks a webhook failed once Temporal has given up on it. */
    async markWebhookFailed(input: { organizationId: string; webhookId: string }): Promise<void> {
      await markWebhookFailed(deps.db, input);
    },
  };
}
