/** Activities for usage the workflow hears about: seat changes and pay-in-advance charges. */
import { Context, log } from '@temporalio/activity';
import { activeSeats } from '../services/usage';
import { billEventInAdvance } from '../services/invoicing';
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
  };
}
