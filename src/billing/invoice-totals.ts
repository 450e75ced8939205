/**
 * An invoice's totals from its fees, in Lago's order (reference/lago-api.md §6):
 *
 *   fees_amount_cents               Σ fee amounts
 *   − progressive_billing_credit    what the period's progressive invoices billed already, per usage
 *                                   fee (progressive-billing.ts), at most the fee
 *   − coupons_amount_cents          coupons (see coupons.ts), spread on what is left of the fees
 *   = sub_total_excluding_taxes
 *   + taxes_amount_cents            per fee (fee − its credit − its coupon shares) × rate / 100, summed exactly,
 *                                   rounded once (half away from zero) for the invoice
 *   = sub_total_including_taxes
 *   − credit_notes_amount_cents     available credit notes, capped at what is due
 *   − prepaid_credit_amount_cents   wallet balance, after taxes, capped at what is left
 *   = total_amount_cents            ≥ 0; payment_status pending if > 0, else succeeded
 *
 * Rounding rule for taxes: the invoice tax is round(Σ exact fee taxes). The per-fee tax cents and
 * the per-tax `applied_taxes` cents are that same total split by largest remainder over the exact
 * amounts, so each list adds up to the invoice tax exactly and each line is within 1 cent of its
 * exact amount (the exact amounts are reported too).
 *
 * Pure and total: any violated invariant throws InvoiceInvariantError rather than bill wrong.
 */
import {
  applyCoupons,
  InvoiceInvariantError,
  roundPartsToTarget,
  type AppliedCouponInput,
  type CouponConsumption,
} from './coupons';
import { Dec, isCurrency, roundCents, type Cents } from './money';

export { InvoiceInvariantError } from './coupons';

export type FeeKind = 'subscription' | 'charge' | 'fixed_charge' | 'add_on' | 'commitment' | 'credit';

/** A tax on a fee: a rate in percent, optionally with the tax's code (applied taxes group by it). */
export type TaxRateInput = Dec | { code: string; rate: Dec };

export interface FeeInput {
  id: string;
  amountCents: Cents;
  kind: FeeKind;
  chargeId?: string | null;
  /** The plan of the subscription the fee belongs to (plan-limited coupons). */
  planId?: string | null;
  /** The charge's billable metric (metric-limited coupons). */
  billableMetricId?: string | null;
  taxRates: readonly TaxRateInput[];
  /** What the period's progressive invoices billed of this fee already (0 to its amount). */
  progressiveCreditCents?: Cents;
}

export interface InvoiceTotalsInput {
  currency: string;
  fees: readonly FeeInput[];
  /** The customer's active applied coupons, in any order. */
  coupons: readonly AppliedCouponInput[];
  /** Wallet balance available for this invoice. */
  prepaidCreditCents: Cents;
  /** Available credit-note balance to offset. */
  creditNoteCents?: Cents;
}

export interface FeeTax {
  /** The tax code, or `rate:<rate>` for a bare rate. */
  key: string;
  taxCode: string | null;
  rate: Dec;
  /** (fee − its coupons) × rate / 100, exact, in cents. */
  preciseAmountCents: Dec;
}

export interface FeeTotals {
  /** The fee's id (FeeInput.id). */
  id: string;
  amountCents: Cents;
  /** What progressive invoices billed of it already. */
  progressiveCreditCents: Cents;
  /** The fee's shares of all coupons. */
  couponsAmountCents: Cents;
  /** The same as a decimal (Lago's precise_coupons_amount_cents; whole cents here, by design). */
  couponsPreciseAmountCents: Dec;
  subTotalExcludingTaxesAmountCents: Cents;
  /** Σ of the fee's rates, in percent. */
  taxesRate: Dec;
  taxesPreciseAmountCents: Dec;
  /** The fee's part of the invoice tax (largest remainder; within 1 cent of the exact amount). */
  taxesAmountCents: Cents;
  totalAmountCents: Cents;
  taxes: FeeTax[];
}

export interface AppliedTaxTotal {
  key: string;
  taxCode: string | null;
  rate: Dec;
  /** Σ (fee − coupons) over the fees carrying this tax (Lago's fees_amount_cents on applied taxes). */
  baseAmountCents: Cents;
  preciseAmountCents: Dec;
  /** Its part of the invoice tax (largest remainder; within 1 cent of the exact amount). */
  amountCents: Cents;
}

export type InvoicePaymentStatus = 'pending' | 'succeeded';

export interface InvoiceTotals {
  currency: string;
  feesAmountCents: Cents;
  progressiveBillingCreditAmountCents: Cents;
  couponsAmountCents: Cents;
  subTotalExcludingTaxesAmountCents: Cents;
  taxesPreciseAmountCents: Dec;
  taxesAmountCents: Cents;
  subTotalIncludingTaxesAmountCents: Cents;
  creditNotesAmountCents: Cents;
  prepaidCreditAmountCents: Cents;
  totalAmountCents: Cents;
  paymentStatus: InvoicePaymentStatus;
  fees: FeeTotals[];
  /** Applied coupons in application order, with the state to store back. */
  coupons: CouponConsumption[];
  appliedTaxes: AppliedTaxTotal[];
}

function normalizeTax(tax: TaxRateInput): { key: string; taxCode: string | null; rate: Dec } {
  const bare = Dec.isDecimal(tax);
  const rate = new Dec(bare ? tax : tax.rate);
  if (!rate.isFinite() || rate.isNegative()) throw new RangeError(`A tax rate must be a non-negative number: ${rate.toString()}`);
  if (bare) return { key: `rate:${rate.toString()}`, taxCode: null, rate };
  if (tax.code.length === 0) throw new RangeError('A tax code must not be empty');
  return { key: tax.code, taxCode: tax.code, rate };
}

function minCents(a: Cents, b: Cents): Cents {
  return a < b ? a : b;
}

function sum(values: Iterable<Cents>): Cents {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new InvoiceInvariantError(message);
}

export function computeInvoiceTotals(input: InvoiceTotalsInput): InvoiceTotals {
  const { currency, fees } = input;
  const creditNoteCents = input.creditNoteCents ?? 0n;
  if (!isCurrency(currency)) throw new RangeError(`Unknown currency ${String(currency)}`);
  if (input.prepaidCreditCents < 0n || creditNoteCents < 0n) throw new RangeError('Credits must not be negative');

  // 1–2. Fees, progressive-billing credits, then coupons on what is left.
  const feesAmountCents = sum(fees.map((f) => f.amountCents));
  const creditOf = (fee: FeeInput) => fee.progressiveCreditCents ?? 0n;
  for (const fee of fees) {
    if (creditOf(fee) < 0n || creditOf(fee) > fee.amountCents) throw new RangeError(`Fee ${fee.id}: a progressive-billing credit is between 0 and the fee`);
  }
  const progressiveBillingCreditAmountCents = sum(fees.map(creditOf));
  const couponResult = applyCoupons(fees.map((fee) => ({ ...fee, amountCents: fee.amountCents - creditOf(fee) })), input.coupons);
  const couponsAmountCents = couponResult.couponsAmountCents;
  const subTotalExcludingTaxesAmountCents = feesAmountCents - progressiveBillingCreditAmountCents - couponsAmountCents;

  // 3. Taxes on what is left of each fee, summed exactly, rounded once.
  const taxedFees = fees.map((fee) => {
    const feeCoupons = couponResult.feeCouponsCents.get(fee.id)!;
    const taxable = fee.amountCents - creditOf(fee) - feeCoupons;
    const taxable_ = new Dec(taxable.toString());
    const taxes: FeeTax[] = fee.taxRates.map((t) => {
      const tax = normalizeTax(t);
      return { ...tax, preciseAmountCents: taxable_.times(tax.rate).dividedBy(100) };
    });
    if (new Set(taxes.map((t) => t.key)).size !== taxes.length) {
      throw new RangeError(`Fee ${fee.id} carries the same tax twice`);
    }
    const precise = taxes.reduce((acc, t) => acc.plus(t.preciseAmountCents), new Dec(0));
    const rate = taxes.reduce((acc, t) => acc.plus(t.rate), new Dec(0));
    return { fee, feeCoupons, taxable, taxes, precise, rate };
  });
  const taxesPreciseAmountCents = taxedFees.reduce((acc, f) => acc.plus(f.precise), new Dec(0));
  const taxesAmountCents = roundCents(taxesPreciseAmountCents);
  const feeTaxCents = roundPartsToTarget(
    taxesAmountCents,
    taxedFees.map((f) => f.precise),
  );

  const byTax = new Map<string, AppliedTaxTotal>();
  for (const { taxable, taxes } of taxedFees) {
    for (const tax of taxes) {
      const entry = byTax.get(tax.key);
      if (entry && !entry.rate.equals(tax.rate)) {
        throw new RangeError(`Tax ${tax.key} has two rates on one invoice (${entry.rate.toString()}, ${tax.rate.toString()})`);
      }
      byTax.set(tax.key, {
        key: tax.key,
        taxCode: tax.taxCode,
        rate: tax.rate,
        baseAmountCents: (entry?.baseAmountCents ?? 0n) + taxable,
        preciseAmountCents: (entry?.preciseAmountCents ?? new Dec(0)).plus(tax.preciseAmountCents),
        amountCents: 0n,
      });
    }
  }
  const appliedTaxes = [...byTax.values()];
  const appliedTaxCents = roundPartsToTarget(
    taxesAmountCents,
    appliedTaxes.map((t) => t.preciseAmountCents),
  );
  appliedTaxes.forEach((t, i) => (t.amountCents = appliedTaxCents[i]!));

  const feeTotals: FeeTotals[] = taxedFees.map((f, i) => ({
    id: f.fee.id,
    amountCents: f.fee.amountCents,
    progressiveCreditCents: creditOf(f.fee),
    couponsAmountCents: f.feeCoupons,
    couponsPreciseAmountCents: new Dec(f.feeCoupons.toString()),
    subTotalExcludingTaxesAmountCents: f.taxable,
    taxesRate: f.rate,
    taxesPreciseAmountCents: f.precise,
    taxesAmountCents: feeTaxCents[i]!,
    totalAmountCents: f.taxable + feeTaxCents[i]!,
    taxes: f.taxes,
  }));

  // 4. Credit notes, then prepaid credits, each capped at what is still due.
  const subTotalIncludingTaxesAmountCents = subTotalExcludingTaxesAmountCents + taxesAmountCents;
  const creditNotesAmountCents = minCents(creditNoteCents, subTotalIncludingTaxesAmountCents);
  const prepaidCreditAmountCents = minCents(input.prepaidCreditCents, subTotalIncludingTaxesAmountCents - creditNotesAmountCents);
  const totalAmountCents = subTotalIncludingTaxesAmountCents - creditNotesAmountCents - prepaidCreditAmountCents;

  // Invariants: every line adds up, nothing is negative.
  check(sum(couponResult.coupons.map((c) => c.amountCents)) === couponsAmountCents, 'coupon lines do not add up');
  for (const c of couponResult.coupons) {
    check(sum(c.feeShares.map((s) => s.amountCents)) === c.amountCents, `coupon ${c.appliedCouponId} shares do not add up`);
    check(c.feeShares.every((s) => s.amountCents >= 0n), `coupon ${c.appliedCouponId} has a negative share`);
  }
  check(sum(feeTotals.map((f) => f.couponsAmountCents)) === couponsAmountCents, 'fee coupon shares do not add up');
  check(feeTotals.every((f) => f.subTotalExcludingTaxesAmountCents >= 0n), 'a fee is discounted below zero');
  check(sum(feeTotals.map((f) => f.taxesAmountCents)) === taxesAmountCents, 'fee taxes do not add up');
  check(sum(appliedTaxes.map((t) => t.amountCents)) === taxesAmountCents, 'applied taxes do not add up');
  check(subTotalExcludingTaxesAmountCents >= 0n && totalAmountCents >= 0n, 'negative invoice total');

  return {
    currency,
    feesAmountCents,
    progressiveBillingCreditAmountCents,
    couponsAmountCents,
    subTotalExcludingTaxesAmountCents,
    taxesPreciseAmountCents,
    taxesAmountCents,
    subTotalIncludingTaxesAmountCents,
    creditNotesAmountCents,
    prepaidCreditAmountCents,
    totalAmountCents,
    paymentStatus: totalAmountCents > 0n ? 'pending' : 'succeeded',
    fees: feeTotals,
    coupons: couponResult.coupons,
    appliedTaxes,
  };
}
