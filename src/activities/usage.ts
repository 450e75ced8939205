/** Activities for usage the workflow hears about: seat changes, pay-in-advance charges, usage thresholds crossed. */
import { Context, log } from '@temporalio/activity';
import { activeSeats } from '../services/usage';
import { billCrossedThresholds, billEventInAdvance } from '../services/invoicing';
import type { ActivityDeps } from './deps';

export interface RecordedUsage {
  /** Seats active now per persistent metric code among the notified events. */
  seats: Record<string, number>;
}

export function usageActivities({ db }: ActivityDeps) {
  return {
    async recordUsage(input: { subscriptionId: string; events: { transactionId: string; code: string; timestamp: number }[] }): Promise<RecordedUsage> {
      // "Now" is the workflow's clock when it asked (the sandbox clock in sandbox mode).
      const now = Context.current().info.currentAttemptScheduledTimestampMs;
      const seats = await activeSeats(db, input.subscriptionId, input.events.map((event) => event.code), now);
      let billed = 0;
      for (const event of input.events) {
        billed += (await billEventInAdvance(db, { subscriptionId: input.subscriptionId, transactionId: event.transactionId })).length;
      }
      log.info('usage recorded', { subscriptionId: input.subscriptionId, events: input.events.length, seats, billedInAdvance: billed });
      return { seats };
    },

    /**
     * Progressive billing (issue 15): bills the usage thresholds the subscription's lifetime usage
     * has crossed, once each (a retry finds them recorded). "Now" is the workflow's clock when it asked.
     */
    async checkUsageThresholds(input: { subscriptionId: string }): Promise<{ invoiceId: string | null; crossed: number }> {
      const now = Context.current().info.currentAttemptScheduledTimestampMs;
      const { invoiceId, crossed } = await billCrossedThresholds(db, { subscriptionId: input.subscriptionId, atMs: now });
      if (crossed.length > 0) log.info('usage thresholds crossed', { subscriptionId: input.subscriptionId, invoiceId, levels: crossed.map((level) => level.levelAmountCents.toString()) });
      return { invoiceId, crossed: crossed.length };
    },
  };
}
