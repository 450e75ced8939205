/** Activities that issue subscription invoices. Each is idempotent by its invoice's business key. */
import { log } from '@temporalio/activity';
import type { LocalDate } from '../billing/calendar';
import { activateSubscription } from '../services/subscriptions';
import { closeBillingDate, issueSubscriptionInvoice, type IssuedInvoice } from '../services/invoicing';
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

    /**
     * Closes a billing boundary: the closed period's charges and arrears fee, the next in-advance fee,
     * on the customer's one invoice of the day (written with every due subscription's part by the
     * first close of the day; a later close finds its part and writes nothing).
     */
    async closePeriod(input: { subscriptionId: string; billingDate: LocalDate }): Promise<IssuedInvoice | null> {
      const invoice = await closeBillingDate(db, input);
      if (invoice) log.info('period closed', { ...invoice, ...input });
      return invoice;
    },
  };
}
