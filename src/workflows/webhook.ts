/**
 * Delivers one webhook event (or, from the relay in a burst, a batch of them) to each subscribed endpoint. Each delivery is one activity that
 * Temporal retries with a long exponential backoff (30 s, 1 min, 2 min, … capped at 1 h, for
 * 3 days), so a receiver that is down over a weekend still gets its events. When the last attempt
 * fails, the delivery is marked failed (retry it by hand: POST /api/v1/webhooks/:id/retry).
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { BillingActivities } from '../activities';

export interface WebhookWorkflowInput {
  organizationId: string;
  eventId: string;
  webhookIds: string[];
}

/** The production retry policy of a delivery (README.md in src/webhooks). */
export const WEBHOOK_RETRY = {
  initialInterval: '30 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 hour',
  // No maximumAttempts: unlimited, the schedule-to-close timeout below ends the retries.
} as const;
export const WEBHOOK_RETRY_WINDOW = '3 days';

const { deliverWebhook } = proxyActivities<BillingActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: WEBHOOK_RETRY_WINDOW,
  retry: WEBHOOK_RETRY,
});

const { markWebhookFailed } = proxyActivities<BillingActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function webhookWorkflow(input: WebhookWorkflowInput): Promise<void> {
  await deliverEvent(input);
}

export interface WebhookBatchInput {
  events: WebhookWorkflowInput[];
}

/** A burst of events (a close) in one workflow, started by the relay: each delivered as `webhookWorkflow` delivers one. */
export async function webhookBatchWorkflow(input: WebhookBatchInput): Promise<void> {
  await Promise.all(input.events.map(deliverEvent));
}

async function deliverEvent(input: WebhookWorkflowInput): Promise<void> {
  await Promise.all(input.webhookIds.map(async (webhookId) => {
    try {
      await deliverWebhook({ organizationId: input.organizationId, webhookId });
    } catch (error) {
      // Only a delivery that Temporal gave up on is failed; anything else is a bug to surface.
      if (!(error instanceof ActivityFailure)) throw error;
      await markWebhookFailed({ organizationId: input.organizationId, webhookId });
    }
  }));
}
