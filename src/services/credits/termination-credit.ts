/**
 * The automatic credit note when a pay-in-advance subscription stops before the end of the period
 * it paid for (reference §5.3): the unused days of its last in-advance fee, credited once.
 */
import type { Db } from '../../db/knex';
import { localDateOf } from '../../billing/calendar';
import { unusedDaysCredit, type UnusedDaysCredit } from '../../billing/proration';
import { findSubscriptionById, type SubscriptionRow } from '../../db/subscriptions';
import { contextOf } from '../../db/subscription-context';
import type { FeeRow } from '../../db/invoices';
import { creditNoteIdOfIdempotencyKey, subscriptionFeeCovering } from '../../db/credit-notes';
import { createCreditNote, remainingCreditableFeeCents } from './credit-notes';

export interface UnusedFeeCredit {
  subscription: SubscriptionRow;
  fee: FeeRow;
  credit: UnusedDaysCredit;
}

export interface UnusedFeeCreditInput {
  subscriptionId: string;
  atMs: number;
  reason: 'termination' | 'upgrade';
}

/** What the credit note should be, or null when nothing is owed (arrears plan, skipped, nothing unused). */
export async function unusedAdvanceFeeCredit(db: Db, input: UnusedFeeCreditInput): Promise<UnusedFeeCredit | null> {
  const subscription = await findSubscriptionById(db, input.subscriptionId);
  if (!subscription || subscription.on_termination_credit_note === 'skip') return null;
  const { plan, timezone } = await contextOf(db, subscription);
  if (!plan.pay_in_advance) return null;
  const fee = await subscriptionFeeCovering(db, subscription.id, new Date(input.atMs));
  if (!fee || !fee.to_datetime) return null;
  const details = fee.amount_details as { full_days?: number };
  const credit = unusedDaysCredit({
    planAmountCents: plan.amount_cents,
    fullDays: Number(details.full_days),
    billedToDate: localDateOf(fee.to_datetime.getTime(), timezone),
    terminationDate: localDateOf(input.atMs, timezone),
    reason: input.reason,
    creditableCents: await remainingCreditableFeeCents(db, subscription.organization_id, fee.id),
  });
  return credit.amountCents > 0n ? { subscription, fee, credit } : null;
}

/** Writes the credit note for the unused in-advance days, once per subscription and reason; returns its id. */
export async function creditUnusedAdvanceFee(db: Db, input: UnusedFeeCreditInput): Promise<string | null> {
  const idempotencyKey = `${input.reason}:${input.subscriptionId}`;
  const existing = await creditNoteIdOfIdempotencyKey(db, idempotencyKey);
  if (existing) return existing;
  const owed = await unusedAdvanceFeeCredit(db, input);
  if (!owed) return null;
  return db.transaction(async (trx) => {
    const { creditNote } = await createCreditNote(trx, {
      organizationId: owed.subscription.organization_id,
      invoiceId: owed.fee.invoice_id!,
      reason: 'order_cancellation',
      items: [{ feeId: owed.fee.id, amountCents: owed.credit.amountCents }],
      allocate: owed.subscription.on_termination_credit_note === 'refund' ? 'refund' : 'credit',
      idempotencyKey,
      nowMs: input.atMs,
    });
    return creditNote.id;
  });
}
