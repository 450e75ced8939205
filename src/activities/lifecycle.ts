/** Activities that end or change a subscription, or announce its trial's end and its coming termination; each is idempotent (safe to retry). */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { LocalDate } from '../billing/calendar';
import * as lifecycle from '../services/subscriptions';
import { ValidationError } from '../runtime/errors';
import type { EditSubscriptionRequest, EditSubscriptionResult, TerminationOptions } from '../workflows/messages';
import type { ActivityDeps } from './deps';

export function lifecycleActivities({ db }: ActivityDeps) {
  return {
    async terminateSubscription(input: { subscriptionId: string; pendingSubscriptionId: string | null; atMs: number } & TerminationOptions) {
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
    /** Writes an edit (`PUT /subscriptions`); a refusal only the database can tell fails the update, naming the field. */
    async editSubscription(input: EditSubscriptionRequest): Promise<EditSubscriptionResult> {
      try {
        const result = await lifecycle.applySubscriptionEdit(db, input);
        log.info('subscription edited', { subscriptionId: input.subscriptionId, editId: input.editId });
        return result;
      } catch (error) {
        if (error instanceof ValidationError) {
          const [field, codes] = Object.entries(error.details)[0] ?? ['subscription', ['not_editable']];
          // `<field> <code>: <why>`, the refusal format of workflows/messages.ts (editRefusal), which the API reads.
          throw ApplicationFailure.nonRetryable(`${field} ${Array.isArray(codes) ? codes[0]! : 'not_editable'}: ${error.message}`, 'EditRefused');
        }
        throw error;
      }
    },
    /** Drops a scheduled plan change: its pending subscription is canceled. */
    async cancelPlanChange(input: { subscriptionId: string; pendingSubscriptionId: string; atMs: number }): Promise<void> {
      await lifecycle.cancelPendingPlanChange(db, input);
      log.info('plan change canceled', { ...input });
    },
    /** The trial ended at `trialEndedAtMs`: `trial_ended_at` and `subscription.trial_ended`. */
    async endTrial(input: { subscriptionId: string; trialEndedAtMs: number }): Promise<void> {
      await lifecycle.endTrial(db, input);
      log.info('trial ended', { ...input });
    },
    /** `subscription.termination_alert` due at `alertAtMs`, before the subscription's `ending_at`. */
    async alertTermination(input: { subscriptionId: string; alertAtMs: number }): Promise<void> {
      await lifecycle.alertTermination(db, input);
      log.info('termination alert', { ...input });
    },
    async applyDowngrade(input: { fromSubscriptionId: string; toSubscriptionId: string; billingDate: LocalDate; timezone: string }) {
      const outcome = await lifecycle.applyDowngrade(db, input);
      log.info('downgrade applied', { ...outcome, from: input.fromSubscriptionId });
      return outcome;
    },
  };
}
