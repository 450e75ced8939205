/**
 * One finalized invoice that asks for money (`payment/invoice/<id>`, started through the outbox
 * when the invoice is issued):
 *
 * 1. collection, when its customer pays through Stripe: the attempt's payment row, the charge (an
 *    off-session PaymentIntent whose idempotency key is the invoice and attempt, so a retried
 *    activity charges once), and its outcome recorded. A PaymentIntent left pending (3-D Secure,
 *    processing) is settled by Stripe's webhook, which the API applies to the payment row;
 * 2. the due date: a durable timer until the start of the day after `payment_due_date` (customer's
 *    timezone), then, if it still owes anything, `payment_overdue: true` and `invoice.payment_overdue`.
 *
 * Everything it learns is written by its activities: its history holds nothing the database does
 * not. Its result says what happened (`succeeded`, `pending`, `failed`, `no_provider`…, then
 * `overdue` or `settled`).
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { BillingActivities } from '../activities';
import type { Payable } from './ids';

export interface PaymentWorkflowInput {
  organizationId: string;
  payable: Payable;
  /** A retry's attempt (`POST /invoices/:id/retry_payment`): collection only, the first workflow keeps the due date. */
  attempt?: number;
}

const database = proxyActivities<BillingActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
const provider = proxyActivities<BillingActivities>({
  // Stripe's library times out after 30 s and retries twice itself; the same key on every retry.
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});

export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<string> {
  const { organizationId } = input;
  const invoiceId = input.payable.id;
  let collection: string;
  const attempt = input.attempt ?? 1;
  const started = await database.startPaymentAttempt({ organizationId, invoiceId, attempt });
  if ('skipped' in started) {
    collection = started.skipped;
  } else {
    const outcome = await provider.chargePaymentAttempt({ organizationId, paymentId: started.paymentId });
    collection = await database.recordPaymentAttempt({ organizationId, paymentId: started.paymentId, outcome, nowMs: Date.now() });
  }
  if (attempt > 1) return collection;
  const overdueAt = await database.paymentOverdueAt({ organizationId, invoiceId });
  if (overdueAt === null) return `${collection}, settled`;
  if (overdueAt > Date.now()) await sleep(overdueAt - Date.now());
  const overdue = await database.markPaymentOverdue({ organizationId, invoiceId, nowMs: Date.now() });
  return `${collection}, ${overdue ? 'overdue' : 'settled'}`;
}
