/** Activities that end or change a subscription; each is idempotent (safe to retry). */
import { Context, log } from '@temporalio/activity';
import type { LocalDate } from '../billing/calendar';
import * as lifecycle from '../services/subscriptions';
import type { ActivityDeps } from './deps';

export function lifecycleActivities({ db }: ActivityDeps) {
  return {
    async terminateSubscription(input: { subscriptionId: string; pendingSubscriptionId: string | null; atMs: number }) {
      const outcome = await lifecycle.endSubscription(db, input);
      log.info('subscription terminated', { ...outcome });
      return outcome;
    },
    /** `atMs` is when the cancellation was asked; histories from before it was passed fall back to when the workflow scheduled this. */
    async cancelSubscription(input: { subscriptionId: string; atMs?: number }) {
      return lifecycle.cancelSubscription(db, { subscriptionId: input.subscriptionId, atMs: input.atMs ?? Context.current().info.scheduledTimestampMs });
    },
    async upgradeSubscription(input: { fromSubscriptionId: string; toSubscriptionId: string; atMs: number }) {
      const outcome = await lifecycle.upgradeSubscription(db, input);
      log.info('subscription upgraded', { ...outcome, from: input.fromSubscriptionId });
      return outcome;
    },
    async applyDowngrade(input: { fromSubscriptionId: string; toSubscriptionId: string; billingDate: LocalDate; timezone: string }) {
      const outcome = await lifecycle.applyDowngrade(db, input);
      log.info('downgrade applied', { ...outcome, from: input.fromSubscriptionId });
      return outcome;
    },
  };
}
