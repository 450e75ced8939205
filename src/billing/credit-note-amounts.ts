/**
 * A credit note's amounts from its items (reference/lago-api.md §1.10, §5.3).
 *
 * An item credits `amount_cents` of one fee, in the fee's own terms (before coupons and taxes).
 * What the customer gets back for it is that amount minus the item's share of the fee's coupons,
 * plus the item's share of the fee's taxes:
 *
 *   sub_total_excluding_taxes = Σ (item − its coupons share)
 *   taxes_amount_cents        = Σ item tax shares
 *   total_amount_cents        = sub_total_excluding_taxes + taxes_amount_cents
 *                             = credit_amount_cents + refund_amount_cents   (checked by the caller)
 *
 * Shares are cumulative, so rounding never drifts: with A the fee amount, C its coupons, T its
 * tax in cents (what the invoice charged for it) and P the amount of the fee already credited by
 * earlier notes, an item of N cents gets
 *
 *   tax share     = round(T × (P + N) / A) − round(T × P / A)
 *   coupons share = round(C × (P + N) / A) − round(C × P / A)
 *
 * (round = half away from zero). One note of 500 on a 2000 fee taxed 12.5 % (T = 250) gets
 * round(250 × 500 / 2000) = round(62.5) = 63; a second one gets round(125) − 63 = 62; crediting
 * the whole fee in any number of notes gives back exactly T = 250, never a cent more.
 *
 * An item's tax share is split over the fee's taxes in proportion to their rates (largest
 * remainder), so per-tax lines add up to the item's tax exactly.
 */
import { splitProRata } from './coupons';
import { Dec, type Cents } from './money';

export interface FeeTaxInput {
  /** The tax code, or `rate:<rate>` for a bare rate. */
  key: string;
  taxCode: string | null;
  taxName: string | null;
  /** Percent, e.g. 12.5. */
  rate: Dec;
}

export interface CreditableFee {
  id: string;
  amountCents: Cents;
  couponsAmountCents: Cents;
  /** The fee's part of the invoice tax, in cents. */
  taxesAmountCents: Cents;
  taxes: readonly FeeTaxInput[];
  /** Σ of the items of earlier credit notes on this fee. */
  creditedAmountCents: Cents;
}

export interface CreditNoteItemInput {
  feeId: string;
  amountCents: Cents;
}

export interface ItemTax {
  key: string;
  taxCode: string | null;
  taxName: string | null;
  rate: Dec;
  amountCents: Cents;
  baseAmountCents: Cents;
}

export interface CreditNoteItemAmounts {
  feeId: string;
  amountCents: Cents;
  couponsAdjustmentAmountCents: Cents;
  subTotalExcludingTaxesAmountCents: Cents;
  taxesAmountCents: Cents;
  /** (item − coupons share) × Σ rates / 100, exact. */
  taxesPreciseAmountCents: Dec;
  taxes: ItemTax[];
}

export interface CreditNoteAmounts {
  items: CreditNoteItemAmounts[];
  itemsAmountCents: Cents;
  couponsAdjustmentAmountCents: Cents;
  subTotalExcludingTaxesAmountCents: Cents;
  taxesAmountCents: Cents;
  preciseTaxesAmountCents: Dec;
  /** The effective rate: precise taxes / sub-total × 100, 5 decimals (one tax → its rate). */
  taxesRate: Dec;
  totalAmountCents: Cents;
  appliedTaxes: ItemTax[];
}

export class CreditNoteAmountError extends Error {
  constructor(readonly code: string, readonly feeId: string, message: string) {
    super(message);
    this.name = 'CreditNoteAmountError';
  }
}

/** round(total × part / whole), half away from zero, for non-negative integers (whole > 0). */
export function proportionalShare(total: Cents, part: Cents, whole: Cents): Cents {
  if (whole <= 0n || total < 0n || part < 0n) throw new RangeError('Proportional shares take non-negative amounts of a positive whole');
  return (2n * total * part + whole) / (2n * whole);
}

/** The largest number of cents a fee can still be credited. */
export function remainingCreditableCents(fee: Pick<CreditableFee, 'amountCents' | 'creditedAmountCents'>): Cents {
  const left = fee.amountCents - fee.creditedAmountCents;
  return left > 0n ? left : 0n;
}

const RATE_SCALE = new Dec(10).pow(5);

function rateWeight(rate: Dec): Cents {
  return BigInt(rate.times(RATE_SCALE).toDecimalPlaces(0, Dec.ROUND_HALF_UP).toFixed(0));
}

function itemTaxes(fee: CreditableFee, taxCents: Cents, base: Cents): ItemTax[] {
  if (fee.taxes.length === 0) {
    if (taxCents !== 0n) throw new RangeError(`Fee ${fee.id} carries tax but no tax lines`);
    return [];
  }
  const weights = fee.taxes.map((tax) => rateWeight(tax.rate));
  // A fee taxed at 0 % carries no tax cents; splitProRata refuses to spread cents over zero weights.
  const parts = weights.every((w) => w === 0n) && taxCents === 0n ? weights.map(() => 0n) : splitProRata(taxCents, weights);
  return fee.taxes.map((tax, i) => ({ ...tax, amountCents: parts[i]!, baseAmountCents: base }));
}

export function computeCreditNoteAmounts(fees: readonly CreditableFee[], items: readonly CreditNoteItemInput[]): CreditNoteAmounts {
  const byId = new Map(fees.map((fee) => [fee.id, fee]));
  const credited = new Map(fees.map((fee) => [fee.id, fee.creditedAmountCents]));
  const results: CreditNoteItemAmounts[] = [];
  for (const item of items) {
    const fee = byId.get(item.feeId);
    if (!fee) throw new CreditNoteAmountError('fee_not_found', item.feeId, `Fee ${item.feeId} is not on the invoice`);
    const before = credited.get(fee.id)!;
    const after = before + item.amountCents;
    if (item.amountCents <= 0n || after > fee.amountCents) {
      throw new CreditNoteAmountError('higher_than_remaining_fee_amount', fee.id, `Fee ${fee.id} has ${fee.amountCents - before} cents left to credit, not ${item.amountCents}`);
    }
    credited.set(fee.id, after);
    const coupons = proportionalShare(fee.couponsAmountCents, after, fee.amountCents) - proportionalShare(fee.couponsAmountCents, before, fee.amountCents);
    const tax = proportionalShare(fee.taxesAmountCents, after, fee.amountCents) - proportionalShare(fee.taxesAmountCents, before, fee.amountCents);
    const subTotal = item.amountCents - coupons;
    const rate = fee.taxes.reduce((sum, t) => sum.plus(t.rate), new Dec(0));
    results.push({
      feeId: fee.id,
      amountCents: item.amountCents,
      couponsAdjustmentAmountCents: coupons,
      subTotalExcludingTaxesAmountCents: subTotal,
      taxesAmountCents: tax,
      taxesPreciseAmountCents: new Dec(subTotal.toString()).times(rate).dividedBy(100),
      taxes: itemTaxes(fee, tax, subTotal),
    });
  }

  const sum = (pick: (item: CreditNoteItemAmounts) => Cents) => results.reduce((acc, item) => acc + pick(item), 0n);
  const itemsAmountCents = sum((i) => i.amountCents);
  const couponsAdjustmentAmountCents = sum((i) => i.couponsAdjustmentAmountCents);
  const subTotalExcludingTaxesAmountCents = sum((i) => i.subTotalExcludingTaxesAmountCents);
  const taxesAmountCents = sum((i) => i.taxesAmountCents);
  const preciseTaxesAmountCents = results.reduce((acc, i) => acc.plus(i.taxesPreciseAmountCents), new Dec(0));

  const applied = new Map<string, ItemTax>();
  for (const tax of results.flatMap((i) => i.taxes)) {
    const entry = applied.get(tax.key);
    applied.set(tax.key, entry
      ? { ...entry, amountCents: entry.amountCents + tax.amountCents, baseAmountCents: entry.baseAmountCents + tax.baseAmountCents }
      : { ...tax });
  }

  return {
    items: results,
    itemsAmountCents,
    couponsAdjustmentAmountCents,
    subTotalExcludingTaxesAmountCents,
    taxesAmountCents,
    preciseTaxesAmountCents,
    taxesRate: subTotalExcludingTaxesAmountCents === 0n
      ? new Dec(0)
      : preciseTaxesAmountCents.times(100).dividedBy(subTotalExcludingTaxesAmountCents.toString()).toDecimalPlaces(5, Dec.ROUND_HALF_UP),
    totalAmountCents: subTotalExcludingTaxesAmountCents + taxesAmountCents,
    appliedTaxes: [...applied.values()],
  };
}
