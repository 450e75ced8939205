/**
 * A charge's spending minimum (`min_amount_cents`; reference/lago-api.md §3, Lago's
 * `Fees::CreateTrueUpService`): when the charge's fees of a charges window (every filter and
 * group of it) come to less than the minimum, prorated to the window's days, a true-up fee bills
 * the difference:
 *
 *   prorated minimum  M = min_amount_cents × billed days / D      (exact)
 *   used              U = Σ the charge's fee amounts of the window (rounded cents)
 *   true-up           round(M − U), half away from zero, when U < M
 *
 * D is the charges period's day count; the billed days run from the window's first day (the
 * subscription's start in its first period) to its last (the termination day when it ends early),
 * both inclusive, in the customer's timezone. Only charges billed in arrears have a minimum (a
 * pay-in-advance charge refuses one), and current usage never shows a true-up (Lago's
 * ChargeService skips it for current usage). The true-up copies its parent fee (the charge's
 * default-bucket fee, Lago's fee without a charge filter): same charge, dates and taxes, one
 * unit, no events, no filter; the two are linked (`lago_true_up_fee_id` on the parent,
 * `lago_true_up_parent_fee_id` on the true-up). A true-up that rounds to 0 cents is not billed.
 * Pure and deterministic.
 */
import { daysInclusive, localDateOf } from './calendar';
import { Dec, roundCents, subunitToUnit, type Cents } from './money';
import type { FeeLine } from './fee-lines';

export interface WindowDays {
  /** Days of the window billed (inclusive). */
  billedDays: number;
  /** D: the whole charges period's days. */
  fullDays: number;
}

/** The days of a charges window [fromMs, toMs] of a period of `fullDays` days, in `timezone`. */
export function windowDays(window: { fromMs: number; toMs: number; period: { fullDays: number } }, timezone: string): WindowDays {
  return {
    billedDays: daysInclusive(localDateOf(window.fromMs, timezone), localDateOf(window.toMs, timezone)),
    fullDays: window.period.fullDays,
  };
}

export interface SpendingMinimumTrueUp {
  /** M: the minimum prorated to the billed days, exact. */
  proratedMinimumCents: Dec;
  /** U: what the charge's fees came to. */
  usedAmountCents: Cents;
  amountCents: Cents;
  /** M − Σ the fees' precise amounts. */
  preciseAmountCents: Dec;
}

/** The true-up a charge owes for a window, or null when its fees reach the prorated minimum (or there is none). */
export function spendingMinimumTrueUp(
  minAmountCents: Cents,
  days: WindowDays,
  fees: readonly { amountCents: Cents; preciseAmountCents: Dec }[],
): SpendingMinimumTrueUp | null {
  if (minAmountCents < 0n) throw new RangeError('A spending minimum is never negative');
  const { billedDays, fullDays } = days;
  if (!Number.isInteger(fullDays) || fullDays <= 0 || !Number.isInteger(billedDays) || billedDays < 0 || billedDays > fullDays) {
    throw new RangeError(`Billed days out of range: ${billedDays} of ${fullDays}`);
  }
  if (minAmountCents === 0n) return null;
  const proratedMinimumCents = new Dec(minAmountCents.toString()).times(billedDays).dividedBy(fullDays);
  const usedAmountCents = fees.reduce((sum, fee) => sum + fee.amountCents, 0n);
  if (new Dec(usedAmountCents.toString()).gte(proratedMinimumCents)) return null;
  const amountCents = roundCents(proratedMinimumCents.minus(usedAmountCents.toString()));
  if (amountCents === 0n) return null;
  const precise = fees.reduce((sum, fee) => sum.plus(fee.preciseAmountCents), new Dec(0));
  return { proratedMinimumCents, usedAmountCents, amountCents, preciseAmountCents: proratedMinimumCents.minus(precise) };
}

/** The true-up fee line of `parent` (a charge's fee line): `charge:<charge id>:true_up`, linked to it by `trueUpOf`. */
export function trueUpFeeLine(parent: FeeLine, trueUp: SpendingMinimumTrueUp, minAmountCents: Cents, days: WindowDays, currency: string): FeeLine {
  if (parent.kind !== 'charge' || !parent.chargeId) throw new RangeError('A spending-minimum true-up tops up a charge fee');
  return {
    ...parent,
    key: `charge:${parent.chargeId}:true_up`,
    units: new Dec(1),
    totalAggregatedUnits: new Dec(1),
    eventsCount: 0,
    amountCents: trueUp.amountCents,
    preciseAmountCents: trueUp.preciseAmountCents,
    unitAmountCents: trueUp.amountCents,
    preciseUnitAmount: new Dec(trueUp.amountCents.toString()).dividedBy(subunitToUnit(currency)),
    amountDetails: {
      min_amount_cents: minAmountCents.toString(),
      billed_days: days.billedDays,
      full_days: days.fullDays,
      used_amount_cents: trueUp.usedAmountCents.toString(),
    },
    chargeFilter: null,
    groupedBy: null,
    presentationBreakdowns: [],
    trueUpOf: parent.key,
  };
}
