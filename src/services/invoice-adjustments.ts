/**
 * What reduces a subscription invoice after its fees (reference §6): the customer's applied
 * coupons, available credit notes and prepaid wallet credits. They are read before the invoice is
 * computed and consumed inside its transaction; if less can be drawn than was computed (another
 * invoice drew it first), the transaction fails and the activity's retry recomputes.
 */
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { Dec, type Cents } from '../billing/money';
import type { AppliedCouponInput } from '../billing/coupons';
import type { InvoiceTotals } from '../billing/invoice-totals';
import type { InvoiceRow } from '../db/invoices';
import { availableWalletCents, consumeWalletCredits } from './wallets';
import { availableCreditNoteCents, consumeCreditNotes } from './credit-notes';

export interface InvoiceAdjustments {
  coupons: AppliedCouponInput[];
  creditNoteCents: Cents;
  prepaidCreditCents: Cents;
}

export async function loadInvoiceAdjustments(db: Db, input: { organizationId: string; customerId: string; currency: string; asOfMs: number }): Promise<InvoiceAdjustments> {
  const [coupons, creditNoteCents, prepaidCreditCents] = await Promise.all([
    activeCoupons(db, input),
    availableCreditNoteCents(db, input.customerId, { currency: input.currency, organizationId: input.organizationId }),
    availableWalletCents(db, input.customerId, { currency: input.currency, organizationId: input.organizationId, asOf: new Date(input.asOfMs) }),
  ]);
  return { coupons, creditNoteCents, prepaidCreditCents };
}

async function activeCoupons(db: Db, input: { organizationId: string; customerId: string; currency: string; asOfMs: number }): Promise<AppliedCouponInput[]> {
  const rows = await db('applied_coupons')
    .join('coupons', 'coupons.id', 'applied_coupons.coupon_id')
    .where({ 'applied_coupons.organization_id': input.organizationId, 'applied_coupons.customer_id': input.customerId, 'applied_coupons.status': 'active' })
    .where((query) => query.whereNull('coupons.expiration_at').orWhere('coupons.expiration_at', '>', new Date(input.asOfMs)))
    .select(
      'applied_coupons.id', 'coupons.id as coupon_id', 'coupons.coupon_type', 'applied_coupons.amount_cents', 'applied_coupons.amount_cents_remaining',
      'applied_coupons.amount_currency', 'applied_coupons.percentage_rate', 'applied_coupons.frequency', 'applied_coupons.frequency_duration_remaining',
      'applied_coupons.created_at',
    );
  const targets = rows.length === 0 ? [] : await db('coupon_targets').whereIn('coupon_id', rows.map((row) => row.coupon_id));
  return rows
    .filter((row) => row.coupon_type !== 'fixed_amount' || !row.amount_currency || row.amount_currency === input.currency)
    .map((row) => ({
      id: row.id,
      couponType: row.coupon_type,
      amountCents: row.amount_cents,
      amountCentsRemaining: row.amount_cents_remaining,
      percentageRate: row.percentage_rate === null ? null : new Dec(row.percentage_rate),
      frequency: row.frequency,
      frequencyDurationRemaining: row.frequency_duration_remaining,
      limitedPlanIds: targets.filter((target) => target.coupon_id === row.coupon_id && target.plan_id).map((target) => target.plan_id),
      limitedBillableMetricIds: targets.filter((target) => target.coupon_id === row.coupon_id && target.billable_metric_id).map((target) => target.billable_metric_id),
      createdAtMs: row.created_at.getTime(),
    }));
}

export class AdjustmentShortfall extends Error {}

/** Consumes exactly what the totals drew, in the invoice's transaction. */
export async function consumeInvoiceAdjustments(trx: Knex.Transaction, invoice: InvoiceRow, totals: InvoiceTotals, asOfMs: number): Promise<void> {
  for (const coupon of totals.coupons) {
    await trx('applied_coupons').where({ id: coupon.appliedCouponId }).update({
      amount_cents_remaining: coupon.amountCentsRemaining,
      frequency_duration_remaining: coupon.frequencyDurationRemaining,
      ...(coupon.terminated ? { status: 'terminated', terminated_at: new Date(asOfMs) } : {}),
      updated_at: trx.fn.now(),
    });
  }
  const draws = { organizationId: invoice.organization_id, customerId: invoice.customer_id, invoiceId: invoice.id };
  if (totals.creditNotesAmountCents > 0n) {
    const drawn = await consumeCreditNotes(trx, { ...draws, amountCents: totals.creditNotesAmountCents });
    if (drawn !== totals.creditNotesAmountCents) throw new AdjustmentShortfall(`Credit notes gave ${drawn} of ${totals.creditNotesAmountCents} cents`);
  }
  if (totals.prepaidCreditAmountCents > 0n) {
    const drawn = await consumeWalletCredits(trx, { ...draws, amountCents: totals.prepaidCreditAmountCents, asOf: new Date(asOfMs) });
    if (drawn !== totals.prepaidCreditAmountCents) throw new AdjustmentShortfall(`Wallets gave ${drawn} of ${totals.prepaidCreditAmountCents} cents`);
  }
}
