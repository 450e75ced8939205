/**
 * Dunning: the organization's campaign (one per organization; Lago's dunning campaigns have no
 * public API, so Billow's route is its own: `PUT /api/v1/dunning_campaign`), run by each invoice's
 * payment workflow (src/workflows/payment.ts) after its first attempt at Stripe:
 *
 * - every `days_between_attempts` days, while the invoice still owes something, a new attempt at
 *   Stripe (attempt 2, 3, …: its own payment row and idempotency key, `invoice:<id>:attempt:<n>`,
 *   shared with `POST /invoices/:id/retry_payment`'s numbering, so an attempt made by hand is not
 *   made again), up to `max_attempts` attempts in all;
 * - only when what the invoice still owes reaches its currency's threshold (`thresholds`; a currency
 *   without one is not dunned), and never while an earlier attempt still waits for its outcome
 *   (3-D Secure, processing) or a pending payment request gathers the invoice: that round is
 *   skipped, so a payer is never charged twice;
 * - when the attempts are spent (the last one given `days_between_attempts` to pay) and the invoice
 *   still owes: Lago's `dunning_campaign.finished`, once.
 *
 * Without a campaign, a failed collection is retried only by `POST /invoices/:id/retry_payment`.
 */
import type { Db } from '../../db/knex';
import { findCustomerById } from '../../db/customers';
import { deleteDunningCampaign, findDunningCampaign, saveDunningCampaign as storeDunningCampaign, type DunningCampaignRow } from '../../db/dunning-campaigns';
import { findInvoice, type InvoiceRow } from '../../db/invoices';
import { findPaymentByKey, providerAttempts } from '../../db/payments';
import { invoicesInPendingRequests } from '../../db/payment-requests';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { isCurrency } from '../../billing/money';
import { notFound, Problems } from '../../runtime/errors';
import { startAttempt, type StartedAttempt } from './collection';

export interface DunningCampaignInput {
  code?: string;
  name?: string;
  max_attempts: number;
  days_between_attempts: number;
  thresholds: { currency: string; amount_cents: number }[];
}

export type DunningStart = StartedAttempt | { skipped: 'attempt_pending' | 'below_threshold' | 'no_campaign' | 'campaign_spent' };

const DAY_MS = 86_400_000;

export async function saveDunningCampaign(db: Db, organizationId: string, input: DunningCampaignInput): Promise<DunningCampaignRow> {
  const problems = new Problems();
  if (!Number.isInteger(input.max_attempts) || input.max_attempts < 1 || input.max_attempts > 20) problems.add('max_attempts', 'value_is_out_of_range');
  if (!Number.isInteger(input.days_between_attempts) || input.days_between_attempts < 1 || input.days_between_attempts > 365) problems.add('days_between_attempts', 'value_is_out_of_range');
  if (input.thresholds.length === 0) problems.add('thresholds', 'value_is_mandatory');
  const seen = new Set<string>();
  input.thresholds.forEach((threshold, index) => {
    if (!isCurrency(threshold.currency)) problems.add(`thresholds.${index}.currency`, 'value_is_invalid');
    else if (seen.has(threshold.currency)) problems.add(`thresholds.${index}.currency`, 'value_already_exist');
    seen.add(threshold.currency);
    if (!Number.isSafeInteger(threshold.amount_cents) || threshold.amount_cents < 0) problems.add(`thresholds.${index}.amount_cents`, 'value_is_invalid');
  });
  problems.throwIfAny();
  return storeDunningCampaign(db, organizationId, {
    code: input.code ?? 'default', name: input.name ?? 'Dunning', max_attempts: input.max_attempts, days_between_attempts: input.days_between_attempts,
    thresholds: input.thresholds.map((threshold) => ({ currency: threshold.currency, amount_cents: String(threshold.amount_cents) })),
  });
}

export async function getDunningCampaign(db: Db, organizationId: string): Promise<DunningCampaignRow> {
  const campaign = await findDunningCampaign(db, organizationId);
  if (!campaign) throw notFound('dunning_campaign');
  return campaign;
}

export async function removeDunningCampaign(db: Db, organizationId: string): Promise<DunningCampaignRow> {
  const removed = await deleteDunningCampaign(db, organizationId);
  if (!removed) throw notFound('dunning_campaign');
  return removed;
}

const dueOf = (invoice: InvoiceRow) =>
  (invoice.status !== 'finalized' || invoice.payment_status === 'succeeded' ? 0n : invoice.total_amount_cents - invoice.total_paid_amount_cents);

/**
 * How long the payment workflow waits before dunning round `attempt` (2, 3, …): the campaign's days
 * between attempts, or null when there is none to wait for (no campaign, nothing owed, the invoice
 * never collected at Stripe). Round `max_attempts + 1` is the last attempt's time to pay: then the
 * campaign is spent.
 */
export async function dunningWait(db: Db, organizationId: string, invoiceId: string, attempt: number): Promise<number | null> {
  const campaign = await findDunningCampaign(db, organizationId);
  if (!campaign || attempt > campaign.max_attempts + 1) return null;
  const invoice = await findInvoice(db, organizationId, invoiceId);
  if (!invoice || dueOf(invoice) <= 0n) return null;
  if ((await providerAttempts(db, organizationId, invoiceId)).length === 0) return null;
  return campaign.days_between_attempts * DAY_MS;
}

/** Dunning attempt `attempt`, once its wait is over: the attempt's payment row, or why none is made now. */
export async function startDunningAttempt(db: Db, organizationId: string, invoiceId: string, attempt: number): Promise<DunningStart> {
  // Made already (a retried activity, or POST /invoices/:id/retry_payment with that number): that one.
  const made = await findPaymentByKey(db, organizationId, `invoice:${invoiceId}:attempt:${attempt}`);
  if (made) return { paymentId: made.id };
  const campaign = await findDunningCampaign(db, organizationId);
  if (!campaign) return { skipped: 'no_campaign' };
  if (attempt > campaign.max_attempts) return { skipped: 'campaign_spent' };
  const invoice = await findInvoice(db, organizationId, invoiceId);
  if (!invoice || dueOf(invoice) <= 0n) return { skipped: 'nothing_due' };
  const threshold = campaign.thresholds.find((t) => t.currency === invoice.currency);
  if (!threshold || dueOf(invoice) < BigInt(threshold.amount_cents)) return { skipped: 'below_threshold' };
  const attempts = await providerAttempts(db, organizationId, invoiceId);
  if (attempts.some((payment) => payment.payment_status === 'pending' || payment.payment_status === 'processing')) return { skipped: 'attempt_pending' };
  // A payment request still pending collects it: never charged twice.
  if ((await invoicesInPendingRequests(db, organizationId, [invoiceId], { collected: true })).length > 0) return { skipped: 'attempt_pending' };
  return startAttempt(db, organizationId, invoiceId, attempt);
}

/**
 * The campaign spent (its last attempt's time to pay over) on an invoice that still owes: Lago's
 * `dunning_campaign.finished`, once. Answers whether it was sent.
 */
export async function finishDunning(db: Db, organizationId: string, invoiceId: string): Promise<boolean> {
  const campaign = await findDunningCampaign(db, organizationId);
  const invoice = await findInvoice(db, organizationId, invoiceId);
  if (!campaign || !invoice || dueOf(invoice) <= 0n) return false;
  const customer = await findCustomerById(db, invoice.customer_id);
  const due = Number(dueOf(invoice));
  const recorded = await db.transaction((trx) => recordWebhookEvent(trx, {
    organizationId, webhookType: 'dunning_campaign.finished', objectType: 'dunning_campaign', idempotencyKey: `dunning_campaign.finished:${invoice.id}`,
    object: {
      external_customer_id: customer?.external_id ?? null, dunning_campaign_code: campaign.code,
      overdue_balance_cents: due, overdue_balance_currency: invoice.currency,
      overdue_balances: [{ currency: invoice.currency, amount_cents: due }], lago_invoice_id: invoice.id,
    },
  }));
  return recorded !== null;
}
