/**
 * The automatic credit note when a pay-in-advance subscription stops before the end of the period
 * it paid for (reference §5.3): the unused days of its last in-advance fee, credited once.
 */
import type { Db } from '../../db/knex';
import { localDateOf } from '../../billing/calendar';
import { unusedDaysCredit, type UnusedDaysCredit } from '../../billing/proration';
import { findSubscriptionById } from '../../db/subscriptions';
import { findPlanById } from '../../db/plans';
import { findCustomerById } from '../../db/customers';
import { findOrganization } from '../../db/organizations';
import { applicableTimezone } from '../../billing/subscription-terms';
import type { FeeRow } from '../../db/invoices';
import { createCreditNote, remainingCreditableFeeCents } from './credit-notes';

export interface UnusedFeeCredit {
  fee: FeeRow;
  credit: UnusedDaysCredit;
}

/** What the credit note should be, or null when nothing is owed (arrears plan, skipped, nothing unused). */
export async function unusedAdvanceFeeCredit(db: Db, input: { subscriptionId: string; atMs: number; reason: 'termination' | 'upgrade' }): Promise<UnusedFeeCredit | null> {
  const subscription = await findSubscriptionById(db, input.subscriptionId);
  if (!subscription || subscription.on_termination_credit_note === 'skip') return null;
  const [plan, customer, organization] = await Promise.all([
    findPlanById(db, subscription.organization_id, subscription.plan_id),
    findCustomerById(db, subscription.customer_id),
    findOrganization(db, subscription.organization_id),
  ]);
  if (!plan?.pay_in_advance || !customer || !organization) return null;
  const fee = await db<FeeRow>('fees')
    .join('invoices', 'invoices.id', 'fees.invoice_id')
    .where({ 'fees.subscription_id': subscription.id, 'fees.fee_type': 'subscription' })
    .whereNot('invoices.status', 'voided')
    .where('fees.from_datetime', '<=', new Date(input.atMs))
    .where('fees.to_datetime', '>=', new Date(input.atMs))
    .first('fees.*');
  if (!fee || !fee.to_datetime) return null;
  const timezone = applicableTimezone(customer, organization);
  const details = fee.amount_details as { full_days?: number };
  const credit = unusedDaysCredit({
    planAmountCents: plan.amount_cents,
    fullDays: Number(details.full_days),
    billedToDate: localDateOf(fee.to_datetime.getTime(), timezone),
    terminationDate: localDateOf(input.atMs, timezone),
    reason: input.reason,
    creditableCents: await remainingCreditableFeeCents(db, subscription.organization_id, fee.id),
  });
  return credit.amountCents > 0n ? { fee, credit } : null;
}

/** Writes the credit note for the unused in-advance days, once per subscription and reason; returns its id. */
export async function creditUnusedAdvanceFee(db: Db, input: { subscriptionId: string; atMs: number; reason: 'termination' | 'upgrade' }): Promise<string | null> {
  const idempotencyKey = `${input.reason}:${input.subscriptionId}`;
  const existing = await db('credit_notes').where({ idempotency_key: idempotencyKey }).first('id');
  if (existing) return existing.id as string;
  const owed = await unusedAdvanceFeeCredit(db, input);
  if (!owed) return null;
  const subscription = (await findSubscriptionById(db, input.subscriptionId))!;
  return db.transaction(async (trx) => {
    const { creditNote } = await createCreditNote(trx, {
      organizationId: subscription.organization_id,
      invoiceId: owed.fee.invoice_id!,
      reason: 'order_cancellation',
      items: [{ feeId: owed.fee.id, amountCents: owed.credit.amountCents }],
      allocate: subscription.on_termination_credit_note === 'refund' ? 'refund' : 'credit',
      idempotencyKey,
      nowMs: input.atMs,
    });
    return creditNote.id;
  });
}
