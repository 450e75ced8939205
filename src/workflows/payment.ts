/**
 * Collects one finalized invoice at the customer's payment provider (`payment/invoice/<id>`,
 * started through the outbox when the invoice is issued): the attempt's payment row, the charge
 * (Stripe, an off-session PaymentIntent whose idempotency key is the invoice and attempt), and its
 * outcome recorded. A PaymentIntent left pending (3-D Secure, processing) is settled by Stripe's
 * webhook, which the API applies to the payment row. Everything the workflow learns is written to
 * the database by its activities; its history holds nothing the database does not.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { BillingActivities } from '../activities';
import type { Payable } from './ids';

export interface PaymentWorkflowInput {
  organizationId: string;
  payable: Payable;
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
  const started = await database.startPaymentAttempt({ organizationId, invoiceId: input.payable.id, attempt: 1 });
  if ('skipped' in started) return started.skipped;
  const outcome = await provider.chargePaymentAttempt({ organizationId, paymentId: started.paymentId });
  return database.recordPaymentAttempt({ organizationId, paymentId: started.paymentId, outcome, nowMs: Date.now() });
}
