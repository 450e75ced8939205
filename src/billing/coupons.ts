/**
 * Coupons on one invoice (reference/lago-api.md §1.9, §6 step 2), and the largest-remainder splits
 * that keep every per-fee line adding up exactly to its total.
 *
 * Order: coupons limited to billable metrics, then those limited to plans, then the others; oldest
 * first within each group (created_at, then id). Each coupon's base is what is left of its eligible
 * fees after the coupons before it; once the invoice is at 0 nothing more applies.
 * - percentage: round(base × rate / 100), half away from zero, capped at the base;
 * - fixed_amount recurring / forever: min(amount_cents, base) on every invoice;
 * - fixed_amount once: min(amount_cents_remaining, base), drawn down across invoices.
 * A coupon's amount is spread over its eligible fees pro rata to what is left of each, with a
 * largest-remainder split, so the per-fee shares add up to the coupon's amount to the cent.
 * A coupon whose amount comes to 0 on this invoice is not applied and consumes nothing.
 */
import { Dec, type Cents } from './money';

export type CouponType = 'fixed_amount' | 'percentage';
export type CouponFrequency = 'once' | 'recurring' | 'forever';

export interface AppliedCouponInput {
  /** The applied coupon's id (what the caller updates afterwards). */
  id: string;
  couponType: CouponType;
  /** fixed_amount: the amount per invoice (recurring, forever) or in all (once). */
  amountCents?: Cents | null;
  /** fixed_amount once: what is left to draw; null or absent means amountCents. */
  amountCentsRemaining?: Cents | null;
  /** percentage: the rate in percent ("10.5" → 10.5 %). */
  percentageRate?: Dec | null;
  frequency: CouponFrequency;
  /** recurring: invoices left, this one included (null = untracked). A coupon at 0 is skipped. */
  frequencyDurationRemaining?: number | null;
  /** Limited to the fees of subscriptions on these plans. */
  limitedPlanIds?: readonly string[];
  /** Limited to the charge fees on these billable metrics. */
  limitedBillableMetricIds?: readonly string[];
  createdAtMs: number;
}

/** What a coupon needs to know about a fee. */
export interface CouponableFee {
  id: string;
  amountCents: Cents;
  /** Wallet top-ups (`credit`) never take coupons. */
  kind: string;
  planId?: string | null;
  billableMetricId?: string | null;
}

export interface FeeShare {
  feeId: string;
  amountCents: Cents;
}

/** One coupon applied to the invoice, and the state to store back on the applied coupon. */
export interface CouponConsumption {
  appliedCouponId: string;
  couponType: CouponType;
  frequency: CouponFrequency;
  /** Credited on this invoice (the invoice's coupon line). */
  amountCents: Cents;
  /** The base it was computed on (what was left of its eligible fees). */
  baseAmountCents: Cents;
  /** Per eligible fee, adding up to amountCents exactly. */
  feeShares: FeeShare[];
  /** New amount_cents_remaining for a fixed once coupon; otherwise the input value (or null). */
  amountCentsRemaining: Cents | null;
  /** New frequency_duration_remaining for a recurring coupon; otherwise the input value (or null). */
  frequencyDurationRemaining: number | null;
  /** The applied coupon is used up and becomes terminated. */
  terminated: boolean;
}

export class InvoiceInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvoiceInvariantError';
  }
}

/**
 * Splits `total` pro rata to non-negative integer `weights` (largest remainder, ties to the lower
 * index): the parts add up to `total` exactly and a part never exceeds its weight when
 * total ≤ Σ weights. All weights 0 → all parts 0 (then total must be 0).
 */
export function splitProRata(total: Cents, weights: readonly Cents[]): Cents[] {
  if (total < 0n || weights.some((w) => w < 0n)) throw new RangeError('Pro-rata splits take non-negative amounts');
  const sum = weights.reduce((acc, w) => acc + w, 0n);
  if (sum === 0n) {
    if (total !== 0n) throw new RangeError(`Cannot split ${total} over zero weights`);
    return weights.map(() => 0n);
  }
  const parts = weights.map((w) => (total * w) / sum);
  const remainders = weights.map((w) => (total * w) % sum);
  let leftover = total - parts.reduce((acc, p) => acc + p, 0n);
  const order = weights.map((_, i) => i).sort((a, b) => (remainders[b]! > remainders[a]! ? 1 : remainders[b]! < remainders[a]! ? -1 : a - b));
  for (const i of order) {
    if (leftover === 0n) break;
    parts[i] = parts[i]! + 1n;
    leftover -= 1n;
  }
  return parts;
}

/**
 * Rounds exact non-negative decimal parts to whole cents adding up to `target` (the total rounded
 * once): each part is floored, then the missing cents go to the largest fractions (ties to the
 * lower index). With target = round(Σ parts) each part ends within 1 cent of its exact value.
 */
export function roundPartsToTarget(target: Cents, parts: readonly Dec[]): Cents[] {
  if (parts.some((p) => p.isNegative() && !p.isZero())) throw new RangeError('Parts must not be negative');
  const floors = parts.map((p) => p.floor());
  const fractions = parts.map((p, i) => p.minus(floors[i]!));
  const rounded = floors.map((f) => BigInt(f.toFixed(0)));
  let leftover = target - rounded.reduce((acc, c) => acc + c, 0n);
  const candidates = fractions.map((_, i) => i).filter((i) => !fractions[i]!.isZero());
  if (leftover < 0n || leftover > BigInt(candidates.length)) {
    throw new InvoiceInvariantError(`Cannot round parts summing to ${Dec.sum(new Dec(0), ...parts).toString()} to ${target}`);
  }
  candidates.sort((a, b) => fractions[b]!.comparedTo(fractions[a]!) || a - b);
  for (const i of candidates) {
    if (leftover === 0n) break;
    rounded[i] = rounded[i]! + 1n;
    leftover -= 1n;
  }
  return rounded;
}

function group(coupon: AppliedCouponInput): number {
  if ((coupon.limitedBillableMetricIds ?? []).length > 0) return 0;
  if ((coupon.limitedPlanIds ?? []).length > 0) return 1;
  return 2;
}

/** Metric-limited, then plan-limited, then the others; oldest first, then by id. */
export function orderCoupons(coupons: readonly AppliedCouponInput[]): AppliedCouponInput[] {
  return [...coupons].sort(
    (a, b) => group(a) - group(b) || a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * Whether a fee can take the coupon. A coupon limited to metrics takes the charge fees on them;
 * one limited to plans takes the fees of subscriptions on them (both lists: either matches).
 */
export function isEligible(coupon: AppliedCouponInput, fee: CouponableFee): boolean {
  if (fee.kind === 'credit') return false;
  const metrics = coupon.limitedBillableMetricIds ?? [];
  const plans = coupon.limitedPlanIds ?? [];
  if (metrics.length === 0 && plans.length === 0) return true;
  return (
    (fee.billableMetricId != null && metrics.includes(fee.billableMetricId)) ||
    (fee.planId != null && plans.includes(fee.planId))
  );
}

function validateCoupon(coupon: AppliedCouponInput): void {
  if (coupon.couponType === 'percentage') {
    const rate = coupon.percentageRate;
    if (rate == null || rate.isNegative() || !rate.isFinite()) {
      throw new RangeError(`Coupon ${coupon.id}: a percentage coupon needs a non-negative percentage_rate`);
    }
  } else if (coupon.couponType === 'fixed_amount') {
    if (coupon.amountCents == null || coupon.amountCents < 0n) {
      throw new RangeError(`Coupon ${coupon.id}: a fixed_amount coupon needs a non-negative amount_cents`);
    }
    if (coupon.amountCentsRemaining != null && coupon.amountCentsRemaining < 0n) {
      throw new RangeError(`Coupon ${coupon.id}: amount_cents_remaining must not be negative`);
    }
  } else {
    throw new RangeError(`Coupon ${String(coupon.id)}: unknown coupon_type ${String(coupon.couponType)}`);
  }
  if (!['once', 'recurring', 'forever'].includes(coupon.frequency)) {
    throw new RangeError(`Coupon ${coupon.id}: unknown frequency ${String(coupon.frequency)}`);
  }
}

/** What the coupon would credit on `base` cents, before any cap by the invoice. */
export function couponAmountCents(coupon: AppliedCouponInput, base: Cents): Cents {
  if (coupon.couponType === 'percentage') {
    const precise = new Dec(base.toString()).times(coupon.percentageRate!).dividedBy(100);
    const rounded = BigInt(precise.toDecimalPlaces(0, Dec.ROUND_HALF_UP).toFixed(0));
    return rounded < base ? rounded : base;
  }
  const available = coupon.frequency === 'once' ? (coupon.amountCentsRemaining ?? coupon.amountCents!) : coupon.amountCents!;
  return available < base ? available : base;
}

function consumption(coupon: AppliedCouponInput, amount: Cents, base: Cents, feeShares: FeeShare[]): CouponConsumption {
  let amountCentsRemaining = coupon.amountCentsRemaining ?? null;
  let frequencyDurationRemaining = coupon.frequencyDurationRemaining ?? null;
  let terminated = false;
  if (coupon.frequency === 'once') {
    if (coupon.couponType === 'fixed_amount') {
      amountCentsRemaining = (coupon.amountCentsRemaining ?? coupon.amountCents!) - amount;
      terminated = amountCentsRemaining === 0n;
    } else {
      terminated = true;
    }
  } else if (coupon.frequency === 'recurring' && frequencyDurationRemaining !== null) {
    frequencyDurationRemaining -= 1;
    terminated = frequencyDurationRemaining <= 0;
  }
  return {
    appliedCouponId: coupon.id,
    couponType: coupon.couponType,
    frequency: coupon.frequency,
    amountCents: amount,
    baseAmountCents: base,
    feeShares,
    amountCentsRemaining,
    frequencyDurationRemaining,
    terminated,
  };
}

function exhausted(coupon: AppliedCouponInput): boolean {
  if (coupon.frequency === 'recurring' && coupon.frequencyDurationRemaining != null) {
    return coupon.frequencyDurationRemaining <= 0;
  }
  if (coupon.frequency === 'once' && coupon.couponType === 'fixed_amount') {
    return (coupon.amountCentsRemaining ?? coupon.amountCents!) === 0n;
  }
  return false;
}

export interface CouponsResult {
  /** Applied coupons in the order they were applied. */
  coupons: CouponConsumption[];
  /** Per fee id, the sum of its coupon shares. */
  feeCouponsCents: Map<string, Cents>;
  couponsAmountCents: Cents;
}

/** Applies the customer's active coupons to the invoice's fees (step 2 of the totals). */
export function applyCoupons(fees: readonly CouponableFee[], coupons: readonly AppliedCouponInput[]): CouponsResult {
  if (new Set(fees.map((f) => f.id)).size !== fees.length) throw new RangeError('Fee ids must be unique');
  if (fees.some((f) => f.amountCents < 0n)) throw new RangeError('Fee amounts must not be negative');
  const left = new Map(fees.map((f) => [f.id, f.amountCents]));
  const applied: CouponConsumption[] = [];
  let total = 0n;
  for (const coupon of orderCoupons(coupons)) {
    validateCoupon(coupon);
    const invoiceLeft = [...left.values()].reduce((acc, c) => acc + c, 0n);
    if (invoiceLeft === 0n) break;
    if (exhausted(coupon)) continue;
    const eligible = fees.filter((f) => isEligible(coupon, f) && left.get(f.id)! > 0n);
    const weights = eligible.map((f) => left.get(f.id)!);
    const base = weights.reduce((acc, w) => acc + w, 0n);
    if (base === 0n) continue;
    const amount = couponAmountCents(coupon, base);
    if (amount === 0n) continue;
    const shares = splitProRata(amount, weights);
    const feeShares = eligible.map((f, i) => ({ feeId: f.id, amountCents: shares[i]! }));
    for (const share of feeShares) left.set(share.feeId, left.get(share.feeId)! - share.amountCents);
    applied.push(consumption(coupon, amount, base, feeShares));
    total += amount;
  }
  const feeCouponsCents = new Map(fees.map((f) => [f.id, f.amountCents - left.get(f.id)!]));
  return { coupons: applied, feeCouponsCents, couponsAmountCents: total };
}
