/**
 * Money out: a credit note's `refund_amount_cents` on an invoice Stripe collected goes back through
 * Stripe, in the refund workflow (`refund/credit_note/<id>`, asked for through the outbox in the
 * credit note's own transaction), three activities each safe to repeat:
 *
 * 1. `planRefunds`: one refund row per payment it goes back through (`credit_note:<id>:payment:<id>`,
 *    inserted once), the newest succeeded Stripe payments first, none refunded beyond what it took
 *    (its pending and succeeded refunds count). An invoice not collected at Stripe (paid by hand)
 *    plans none: its credit note stays `pending` until `PUT /credit_notes/:id` says it was refunded.
 * 2. `sendRefund`: Stripe's refund, with the row's idempotency key (a retried activity, or a worker
 *    killed after Stripe answered, gets the same refund back: money goes out once).
 * 3. `recordRefund`: what Stripe answered. A refund still pending is settled by Stripe's
 *    `charge.refunded` / `charge.refund.updated` / `refund.updated` webhook (`applyRefundEvent`).
 *
 * The credit note's `refund_status` follows its refunds: `succeeded` (with `refunded_at`) once they
 * add up to its `refund_amount_cents`, `failed` as soon as one fails (Lago's
 * `credit_note.provider_refund_failure`). An outcome is applied once: a refund that succeeded or
 * failed keeps its status.
 */
import type { Db, Tx } from '../../db/knex';
import { findCreditNote, updateCreditNote, type CreditNoteRow } from '../../db/credit-notes';
import { findCustomerById } from '../../db/customers';
import { lockInvoice } from '../../db/invoices';
import { findPayment, succeededProviderPayments } from '../../db/payments';
import { findPaymentProvider, findPaymentProviderCode } from '../../db/payment-providers';
import {
  findRefund, insertRefundOnce, lockRefundByProviderId, refundedAmountOfPayment, refundsOfCreditNote, updateRefund, type RefundRow,
} from '../../db/refunds';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { ProviderRefusal, type ProviderErrorDetails, type ProviderFactory, type ProviderRefund } from './providers';

export type PlannedRefunds = { refundIds: string[] } | { skipped: 'no_refund' | 'not_pending' | 'not_collected_by_provider' };

/** What Stripe answered about a refund, as the workflow carries it (JSON: no bigint). */
export interface RefundOutcome {
  providerRefundId: string | null;
  status: ProviderRefund['status'];
  error: ProviderErrorDetails | null;
}

/** Stripe's idempotency key of a refund row: the same on every retry of its activity. */
export const refundIdempotencyKey = (refund: Pick<RefundRow, 'organization_id' | 'idempotency_key'>) => `billow:${refund.organization_id}:${refund.idempotency_key}`;

/** Step 1: the refund rows of the credit note, planned once (see the module's comment). */
export async function planRefunds(db: Db, organizationId: string, creditNoteId: string): Promise<PlannedRefunds> {
  return db.transaction(async (trx) => {
    const creditNote = await findCreditNote(trx, organizationId, creditNoteId);
    if (!creditNote || creditNote.refund_amount_cents <= 0n) return { skipped: 'no_refund' };
    // The invoice's lock serializes the credit notes refunding the same payments.
    await lockInvoice(trx, organizationId, creditNote.invoice_id);
    const planned = await refundsOfCreditNote(trx, organizationId, creditNote.id);
    if (planned.length > 0) return { refundIds: planned.map((refund) => refund.id) };
    if (creditNote.refund_status !== 'pending') return { skipped: 'not_pending' };
    const payments = (await succeededProviderPayments(trx, organizationId, creditNote.invoice_id, 'stripe')).reverse();
    let left = creditNote.refund_amount_cents;
    const refundIds: string[] = [];
    for (const payment of payments) {
      if (left <= 0n) break;
      const refundable = payment.amount_cents - await refundedAmountOfPayment(trx, organizationId, payment.id);
      const amount = refundable < left ? refundable : left;
      if (amount <= 0n) continue;
      const refund = await insertRefundOnce(trx, organizationId, {
        credit_note_id: creditNote.id, payment_id: payment.id, provider_type: 'stripe', idempotency_key: `credit_note:${creditNote.id}:payment:${payment.id}`,
        amount_cents: amount, currency: creditNote.currency, status: 'pending',
      });
      refundIds.push(refund.id);
      left -= amount;
    }
    return refundIds.length > 0 ? { refundIds } : { skipped: 'not_collected_by_provider' };
  });
}

/** Step 2: Stripe's refund, with the row's idempotency key. A refusal is a failed outcome; anything else is thrown (retried). */
export async function sendRefund(db: Db, providers: ProviderFactory, organizationId: string, refundId: string): Promise<RefundOutcome> {
  const refund = await findRefund(db, organizationId, refundId);
  if (!refund) throw new Error(`refund ${refundId} not found`);
  // An outcome recorded already (a retried activity, a webhook first): answered from the row, never sent again.
  if (refund.status !== 'pending') return { providerRefundId: refund.provider_refund_id, status: refund.status, error: refund.provider_error as ProviderErrorDetails | null };
  const connection = await findPaymentProvider(db, organizationId, 'stripe');
  if (!connection) return { providerRefundId: null, status: 'failed', error: { message: 'The organization has no Stripe connection.', error_code: 'no_provider' } };
  const payment = (await findPayment(db, organizationId, refund.payment_id))!;
  try {
    const sent = await providers({ type: 'stripe', secretKey: connection.secret_key }).refund({
      providerPaymentId: payment.provider_payment_id!,
      amountCents: refund.amount_cents,
      idempotencyKey: refundIdempotencyKey(refund),
      metadata: { billow_organization_id: organizationId, billow_credit_note_id: refund.credit_note_id, billow_refund_id: refund.id },
    });
    return { providerRefundId: sent.providerRefundId, status: sent.status, error: sent.error };
  } catch (error) {
    if (error instanceof ProviderRefusal) return { providerRefundId: null, status: 'failed', error: error.details };
    throw error;
  }
}

/** Step 3: what Stripe answered, on the refund and its credit note (once). */
export async function recordRefund(db: Db, organizationId: string, refundId: string, outcome: RefundOutcome, nowMs: number): Promise<string> {
  return db.transaction(async (trx) => {
    const refund = await findRefund(trx, organizationId, refundId, { forUpdate: true });
    if (!refund) throw new Error(`refund ${refundId} not found`);
    return (await applyRefundOutcome(trx, refund, outcome, nowMs)).status;
  });
}

/** A refund Stripe's webhook names: by its Stripe id, else (its answer never recorded) by the row id Billow put in its metadata. */
export async function applyRefundEvent(
  trx: Tx, organizationId: string, event: ProviderRefund & { metadata: Record<string, string> }, nowMs: number,
): Promise<boolean> {
  let refund = await lockRefundByProviderId(trx, organizationId, 'stripe', event.providerRefundId);
  if (!refund && event.metadata.billow_refund_id) {
    const named = await findRefund(trx, organizationId, event.metadata.billow_refund_id, { forUpdate: true });
    if (named && named.provider_refund_id === null) refund = named;
  }
  if (!refund) return false;
  await applyRefundOutcome(trx, refund, { providerRefundId: event.providerRefundId, status: event.status, error: event.error }, nowMs);
  return true;
}

const FINAL = new Set(['succeeded', 'failed']);

async function applyRefundOutcome(trx: Tx, refund: RefundRow, outcome: RefundOutcome, nowMs: number): Promise<RefundRow> {
  if (FINAL.has(refund.status)) return refund;
  const updated = await updateRefund(trx, refund, {
    ...(outcome.providerRefundId ? { provider_refund_id: outcome.providerRefundId } : {}),
    status: outcome.status,
    provider_error: outcome.error as Record<string, unknown> | null,
    ...(outcome.status === 'succeeded' ? { refunded_at: new Date(nowMs) } : {}),
  });
  if (outcome.status !== 'pending') await settleCreditNote(trx, updated, outcome.error, nowMs);
  return updated;
}

/** The credit note's `refund_status` from its refunds (see the module's comment). */
async function settleCreditNote(trx: Tx, refund: RefundRow, error: ProviderErrorDetails | null, nowMs: number): Promise<void> {
  const creditNote = (await findCreditNote(trx, refund.organization_id, refund.credit_note_id, { forUpdate: true }))!;
  if (creditNote.refund_status !== 'pending') return;
  const refunds = await refundsOfCreditNote(trx, refund.organization_id, creditNote.id);
  if (refunds.some((r) => r.status === 'failed')) {
    await updateCreditNote(trx, creditNote.organization_id, creditNote.id, { refund_status: 'failed' });
    await recordRefundFailure(trx, creditNote, refund, error);
    return;
  }
  const succeeded = refunds.filter((r) => r.status === 'succeeded').reduce((sum, r) => sum + r.amount_cents, 0n);
  if (succeeded === creditNote.refund_amount_cents) {
    await updateCreditNote(trx, creditNote.organization_id, creditNote.id, { refund_status: 'succeeded', refunded_at: new Date(nowMs) });
  }
}

/** Lago's `credit_note.provider_refund_failure` (object `credit_note_payment_provider_refund_error`). */
async function recordRefundFailure(trx: Tx, creditNote: CreditNoteRow, refund: RefundRow, error: ProviderErrorDetails | null): Promise<void> {
  const customer = await findCustomerById(trx, creditNote.customer_id);
  const payment = await findPayment(trx, creditNote.organization_id, refund.payment_id);
  const code = payment?.payment_provider_id ? await findPaymentProviderCode(trx, creditNote.organization_id, payment.payment_provider_id) : undefined;
  await recordWebhookEvent(trx, {
    organizationId: creditNote.organization_id, webhookType: 'credit_note.provider_refund_failure', objectType: 'credit_note_payment_provider_refund_error',
    idempotencyKey: `credit_note.provider_refund_failure:${creditNote.id}`,
    object: {
      lago_credit_note_id: creditNote.id, lago_customer_id: creditNote.customer_id, external_customer_id: customer?.external_id ?? null,
      provider_customer_id: payment?.provider_customer_id ?? null, payment_provider: 'stripe', payment_provider_code: code ?? null,
      provider_error: { message: error?.message ?? 'The refund failed.', error_code: error?.error_code ?? null },
    },
  });
}
