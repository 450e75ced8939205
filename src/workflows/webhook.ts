/**
 * Delivers one webhook event (or, from the relay in a burst, a batch of them) to each subscribed
 * endpoint. A delivery is an activity that Temporal retries with a long exponential backoff (30 s,
 * 1 min, 2 min, … capped at 1 h, for 3 days), so a receiver that is down over a weekend still gets
 * its events. When the last attempt fails, the delivery is marked failed (retry it by hand:
 * POST /api/v1/webhooks/:id/retry). A burst's first attempts are one activity for all of them;
 * only the deliveries that failed go on, each on its own, 30 s later.
 */
import { ActivityFailure, patched, proxyActivities, sleep } from '@temporalio/workflow';
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

const { deliverWebhooksOnce } = proxyActivities<BillingActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** patched(): a burst's first attempts in one activity, not one activity per delivery (issue 12). */
const BURST_IN_ONE_ACTIVITY = 'webhook-burst-first-attempts-in-one-activity';

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

/**
 * A burst of events (a close) in one workflow, started by the relay: every delivery's first attempt
 * in one activity, then each delivery that failed as `webhookWorkflow` delivers one, after the
 * first retry interval.
 */
export async function webhookBatchWorkflow(input: WebhookBatchInput): Promise<void> {
  const deliveries = input.events.flatMap((event) => event.webhookIds.map((webhookId) => ({ organizationId: event.organizationId, webhookId })));
  if (!patched(BURST_IN_ONE_ACTIVITY)) {
    await Promise.all(deliveries.map(deliver));
    return;
  }
  const { failed } = await deliverWebhooksOnce({ deliveries });
  if (failed.length === 0) return;
  await sleep(WEBHOOK_RETRY.initialInterval);
  await Promise.all(failed.map(deliver));
}

async function deliverEvent(input: WebhookWorkflowInput): Promise<void> {
  await Promise.all(input.webhookIds.map((webhookId) => deliver({ organizationId: input.organizationId, webhookId })));
}

async function deliver(delivery: { organizationId: string; webhookId: string }): Promise<void> {
  try {
    await deliverWebhook(delivery);
  } catch (error) {
    // Only a delivery that Temporal gave up on is failed; anything else is a bug to surface.
    if (!(error instanceof ActivityFailure)) throw error;
    await markWebhookFailed(delivery);
  }
}
