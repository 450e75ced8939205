/**
 * What reduces a subscription invoice after its fees (reference §6): the customer's applied
 * coupons, available credit notes and prepaid wallet credits. They are read before the invoice is
 * computed and consumed inside its transaction; if less can be drawn than was computed (another
 * invoice drew it first), the transaction fails and the activity's retry recomputes.
 */
import type { Db, Tx } from '../../db/knex';
import type { Cents } from '../../billing/money';
import type { AppliedCouponInput } from '../../billing/coupons';
import type { InvoiceTotals } from '../../billing/invoice-totals';
import type { InvoiceRow } from '../../db/invoices';
import { activeAppliedCouponInputs, recordCouponConsumption } from '../../db/coupons';
import type { FeeBucket, ScopedBalance } from '../../billing/wallet-credits';
import { availableCreditNoteCents, consumeCreditNotes, consumeWalletCredits, walletCredits } from './credit-draws';

export interface InvoiceAdjustments {
  coupons: AppliedCouponInput[];
  creditNoteCents: Cents;
  prepaidCreditCents: Cents;
  /**
   * The wallets in drawing order when one of them is limited by `applies_to`: the writer then
   * draws on them only what they may pay of the invoice's fees. Absent: `prepaidCreditCents` pays any fee.
   */
  walletScopes?: ScopedBalance[];
}

export async function loadInvoiceAdjustments(db: Db, input: { organizationId: string; customerId: string; currency: string; asOfMs: number }): Promise<InvoiceAdjustments> {
  const [coupons, creditNoteCents, { prepaidCreditCents, walletScopes }] = await Promise.all([
    activeAppliedCouponInputs(db, input.organizationId, input.customerId),
    availableCreditNoteCents(db, input.customerId, { currency: input.currency, organizationId: input.organizationId }),
    walletCredits(db, input.customerId, { currency: input.currency, organizationId: input.organizationId, asOf: new Date(input.asOfMs) }),
  ]);
  return walletScopes ? { coupons, creditNoteCents, prepaidCreditCents, walletScopes } : { coupons, creditNoteCents, prepaidCreditCents };
}

export class AdjustmentShortfall extends Error {}

/** Consumes exactly what the totals drew, in the invoice's transaction. */
export async function consumeInvoiceAdjustments(trx: Tx, invoice: InvoiceRow, totals: InvoiceTotals, asOfMs: number, buckets?: readonly FeeBucket[]): Promise<void> {
  for (const coupon of totals.coupons) await recordCouponConsumption(trx, coupon, new Date(asOfMs), invoice);
  const draws = { organizationId: invoice.organization_id, customerId: invoice.customer_id, invoiceId: invoice.id };
  if (totals.creditNotesAmountCents > 0n) {
    const drawn = await consumeCreditNotes(trx, { ...draws, amountCents: totals.creditNotesAmountCents });
    if (drawn !== totals.creditNotesAmountCents) throw new AdjustmentShortfall(`Credit notes gave ${drawn} of ${totals.creditNotesAmountCents} cents`);
  }
  if (totals.prepaidCreditAmountCents > 0n) {
    const drawn = await consumeWalletCredits(trx, { ...draws, amountCents: totals.prepaidCreditAmountCents, asOf: new Date(asOfMs), buckets });
    if (drawn !== totals.prepaidCreditAmountCents) throw new AdjustmentShortfall(`Wallets gave ${drawn} of ${totals.prepaidCreditAmountCents} cents`);
  }
}
