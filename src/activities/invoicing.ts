/** Activities that issue subscription invoices. Each is idempotent by its invoice's business key. */
import { log } from '@temporalio/activity';
import type { LocalDate } from '../billing/calendar';
import { activateSubscription } from '../services/subscriptions';
import { issueSubscriptionInvoice } from '../services/invoicing';
import type { ActivityDeps } from './index';

export interface InvoiceRef {
  invoiceId: string;
  number: string;
  totalAmountCents: string;
}

export function invoicingActivities({ db }: ActivityDeps) {
  return {
    /** Activates a pending subscription and issues its starting invoice (in-advance base fee), if any. */
    async startSubscription(input: { subscriptionId: string }): Promise<InvoiceRef | null> {
      await activateSubscription(db, input.subscriptionId);
      const result = await issueSubscriptionInvoice(db, { subscriptionId: input.subscriptionId, occasion: { kind: 'starting' } });
      if (result) log.info('starting invoice', { ...result, subscriptionId: input.subscriptionId });
      return result;
    },

    /** Issues the invoice of a billing boundary: closed period's charges and arrears fee, next in-advance fee. */
    async closePeriod(input: { subscriptionId: string; billingDate: LocalDate }): Promise<InvoiceRef | null> {
      const result = await issueSubscriptionInvoice(db, {
        subscriptionId: input.subscriptionId,
        occasion: { kind: 'periodic', billingDate: input.billingDate },
      });
      if (result) log.info('period closed', { ...result, ...input });
      return result;
    },
  };
}
