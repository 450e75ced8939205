/**
 * One finalized invoice that asks for money and whose customer has a payment provider
 * (`payment/invoice/<id>`, started through the outbox when the invoice is issued; an invoice with
 * nothing to collect or dun has none: its due date is its organization's overdue workflow's,
 * workflows/overdue.ts), or one payment request (`payment/payment_request/<id>`: its one charge only):
 *
 * 1. collection, when its customer pays through Stripe: the attempt's payment row, the charge (an
 *    off-session PaymentIntent whose idempotency key is the invoice and attempt, so a retried
 *    activity charges once), and its outcome recorded. A PaymentIntent left pending (3-D Secure,
 *    processing) is settled by Stripe's webhook, which the API applies to the payment row;
 * 2. the due date: a durable timer until the start of the day after `payment_due_date` (customer's
 *    timezone), then, if it still owes anything, `payment_overdue: true` and `invoice.payment_overdue`;
 * 3. beside it, the organization's dunning campaign: further attempts every few days while the
 *    invoice owes (services/payments/dunning.ts).
 *
 * Everything it learns is written by its activities: its history holds nothing the database does
 * not. Its result says what happened (`succeeded`, `pending`, `failed`, `no_provider`…, then
 * `overdue` or `settled`).
 */
import { patched, proxyActivities, sleep } from '@temporalio/workflow';
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

/** patched(): after the first attempt, the organization's dunning campaign, beside the due date's timer (issue 14). */
export const DUNNING = 'payment-dunning-v1';

export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<string> {
  const { organizationId } = input;
  const attempt = input.attempt ?? 1;
  if (input.payable.type === 'payment_request') {
    // A payment request: one charge for its invoices (services/payments/payment-requests.ts); their due dates are kept elsewhere (their own or their organization's overdue workflow).
    const requested = await database.startPaymentRequestAttempt({ organizationId, paymentRequestId: input.payable.id, attempt });
    return 'skipped' in requested ? requested.skipped : charge(organizationId, requested.paymentId);
  }
  const invoiceId = input.payable.id;
  const started = await database.startPaymentAttempt({ organizationId, invoiceId, attempt });
  const collection = 'skipped' in started ? started.skipped : await charge(organizationId, started.paymentId);
  if (attempt > 1) return collection;
  if (!patched(DUNNING)) return `${collection}, ${await dueDate(organizationId, invoiceId)}`;
  // Dunning and the due date run side by side: an invoice turns overdue at its instant whatever the campaign waits for.
  const [due, dunned] = await Promise.all([dueDate(organizationId, invoiceId), dunning(organizationId, invoiceId)]);
  return `${collection}, ${due}${dunned}`;
}

/** The attempt's charge at the provider and its outcome recorded. */
async function charge(organizationId: string, paymentId: string): Promise<string> {
  const outcome = await provider.chargePaymentAttempt({ organizationId, paymentId });
  return database.recordPaymentAttempt({ organizationId, paymentId, outcome, nowMs: Date.now() });
}

/** A durable timer until the invoice's overdue instant, then `payment_overdue` if it still owes (`overdue` too when its organization's sweep marked it first). */
async function dueDate(organizationId: string, invoiceId: string): Promise<string> {
  const overdueAt = await database.paymentOverdueAt({ organizationId, invoiceId });
  if (overdueAt === null) return 'settled';
  if (overdueAt > Date.now()) await sleep(overdueAt - Date.now());
  const overdue = await database.markPaymentOverdue({ organizationId, invoiceId, nowMs: Date.now() });
  return overdue ? 'overdue' : 'settled';
}

/**
 * The organization's dunning campaign (services/payments/dunning.ts): attempts 2, 3, … every
 * `days_between_attempts` while the invoice owes, up to `max_attempts`; then, one more interval
 * later and still owing, `dunning_campaign.finished`. Answers what it did (`''` when the campaign asked for nothing).
 */
async function dunning(organizationId: string, invoiceId: string): Promise<string> {
  const done: string[] = [];
  for (let attempt = 2; ; attempt++) {
    const wait = await database.dunningWait({ organizationId, invoiceId, attempt });
    if (wait === null) break;
    await sleep(wait);
    const started = await database.startDunningAttempt({ organizationId, invoiceId, attempt });
    if ('skipped' in started) {
      done.push(`dunning ${attempt}: ${started.skipped}`);
      if (started.skipped === 'attempt_pending') continue;
      break;
    }
    done.push(`dunning ${attempt}: ${await charge(organizationId, started.paymentId)}`);
  }
  if (done.at(-1)?.endsWith('campaign_spent') && (await database.finishDunning({ organizationId, invoiceId }))) done.push('dunning finished');
  return done.map((step) => `, ${step}`).join('');
}

export interface RefundWorkflowInput {
  organizationId: string;
  creditNoteId: string;
}

/**
 * A credit note's refund (`refund/credit_note/<id>`, started through the outbox when the note is
 * issued with a `refund_amount_cents`): its refund rows planned once, then for each Stripe's refund
 * (the row's idempotency key: a retried activity refunds once) and its outcome recorded. A refund
 * Stripe leaves pending is settled by its webhook. Its result says what happened.
 */
export async function refundWorkflow(input: RefundWorkflowInput): Promise<string> {
  const { organizationId, creditNoteId } = input;
  const planned = await database.planCreditNoteRefunds({ organizationId, creditNoteId });
  if ('skipped' in planned) return planned.skipped;
  const statuses: string[] = [];
  for (const refundId of planned.refundIds) {
    const outcome = await provider.sendCreditNoteRefund({ organizationId, refundId });
    statuses.push(await database.recordCreditNoteRefund({ organizationId, refundId, outcome, nowMs: Date.now() }));
  }
  return statuses.join(', ');
}
