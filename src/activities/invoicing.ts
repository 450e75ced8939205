/** Activities that issue subscription invoices. Each is idempotent by its invoice's business key. */
import { log } from '@temporalio/activity';
import type { LocalDate } from '../billing/calendar';
import { activateSubscription } from '../services/subscriptions';
import { issueSubscriptionInvoice, type IssuedInvoice } from '../services/invoicing';
import type { ActivityDeps } from './deps';

export function invoicingActivities({ db }: ActivityDeps) {
  return {
    /** Activates a pending subscription and issues its starting invoice (in-advance base fee), if any. */
    async startSubscription(input: { subscriptionId: string }): Promise<IssuedInvoice | null> {
      await activateSubscription(db, input.subscriptionId);
      const invoice = await issueSubscriptionInvoice(db, { kind: 'starting', subscriptionId: input.subscriptionId });
      if (invoice) log.info('starting invoice issued', { ...invoice, subscriptionId: input.subscriptionId });
      return invoice;
    },

    /** Issues a billing boundary's invoice: the closed period's charges and arrears fee, the next in-advance fee. */
    async closePeriod(input: { subscriptionId: string; billingDate: LocalDate }): Promise<IssuedInvoice | null> {
      const invoice = await issueSubscriptionInvoice(db, { kind: 'periodic', ...input });
      if (invoice) log.info('period closed', { ...invoice, ...input });
      return invoice;
    },
  };
}
