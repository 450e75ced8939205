/**
 * Minimum commitments (reference/lago-api.md §4; Lago's `commitments/minimum/*`): a plan's
 * `minimum_commitment.amount_cents` is what its subscription's fees of one plan period must reach.
 * At the invoice that closes the period (its last charges window, or the termination) a true-up
 * fee (fee_type `commitment`) bills what is missing:
 *
 *   commitment for the period  C = round(amount × covered days / D)    (half away from zero)
 *   fees of the period         F = Σ the subscription's base-fee, usage and fixed-charge fees whose
 *                                  span lies within the plan period (this invoice's and earlier
 *                                  ones': an in-advance base fee, monthly usage of a yearly plan,
 *                                  in-advance charge fees, spending-minimum true-ups)
 *   true-up                    C − F when F < C, else none
 *
 * D is the plan period's day count; the covered days run from the later of the period's start and
 * the subscription's start date to the period's end, or to the termination day (both inclusive), as
 * Lago's CalculateProratedCoefficientService counts them: a monthly commitment of 1,000.00 on a
 * subscription started on the 16th of a 30-day month is 1,000.00 × 15/30 = 500.00. Trials do not
 * shorten it. The fee's taxes: the commitment's own, else the plan's, else the customer's.
 * Pure and deterministic.
 */
import { daysInclusive, localDateOf, maxLocalDate } from './calendar';
import { Dec, roundCents, subunitToUnit, type Cents } from './money';
import { periodContaining, type InvoiceScope, type Period, type SubscriptionTerms } from './periods';
import type { FeeLine, TaxRate } from './fee-lines';

/** Lago's name of a commitment fee without an invoice display name (`commitment.minimum.name`). */
export const DEFAULT_COMMITMENT_NAME = 'Minimum commitment';

export interface CommitmentTerms {
  amountCents: Cents;
  invoiceDisplayName: string | null;
}

/** The plan period an invoice part closes, and how many of its days the commitment covers. */
export interface CommitmentPeriod {
  period: Period;
  coveredDays: number;
}

/**
 * The plan period a subscription's invoice part closes, if it closes one: a termination
 * (`terminatedAtMs`: the part ends the subscription there) closes the plan period containing that
 * day; otherwise a part whose charges window ends on a plan period's last day closes that period
 * (every periodic close of a monthly plan; only the last month's of a yearly plan billed monthly).
 * A starting invoice, or a trial's end, closes none.
 */
export function closedCommitmentPeriod(terms: SubscriptionTerms, scope: InvoiceScope, terminatedAtMs: number | null): CommitmentPeriod | null {
  const tz = terms.schedule.timezone;
  const startDate = localDateOf(terms.startedAt, tz);
  if (terminatedAtMs !== null) {
    const day = maxLocalDate(localDateOf(terminatedAtMs, tz), startDate);
    const period = periodContaining(terms.schedule, day);
    return { period, coveredDays: daysInclusive(maxLocalDate(period.startDate, startDate), day) };
  }
  if (!scope.charges) return null;
  const lastDay = scope.charges.period.endDate;
  const period = periodContaining(terms.schedule, lastDay);
  if (period.endDate !== lastDay) return null;
  const from = maxLocalDate(period.startDate, startDate);
  if (from > period.endDate) return null;
  return { period, coveredDays: daysInclusive(from, period.endDate) };
}

export interface CommitmentTrueUp {
  /** C: the commitment for the covered days, rounded once. */
  commitmentAmountCents: Cents;
  /** F: the fees of the period counted. */
  feesAmountCents: Cents;
  /** C − F (> 0). */
  amountCents: Cents;
  /** C − Σ the fees' precise amounts (Lago's precise_amount_cents). */
  preciseAmountCents: Dec;
}

/** The true-up owed on `period` for a commitment of `amountCents` given the fees counted, or null when they reach it. */
export function commitmentTrueUp(
  amountCents: Cents,
  closed: CommitmentPeriod,
  fees: readonly { amountCents: Cents; preciseAmountCents: Dec }[],
): CommitmentTrueUp | null {
  if (amountCents < 0n) throw new RangeError('A commitment is never negative');
  const { coveredDays, period } = closed;
  if (!Number.isInteger(coveredDays) || coveredDays < 0 || coveredDays > period.fullDays) throw new RangeError(`Covered days out of range: ${coveredDays}`);
  const commitmentAmountCents = roundCents(new Dec(amountCents.toString()).times(coveredDays).dividedBy(period.fullDays));
  const feesAmountCents = fees.reduce((sum, fee) => sum + fee.amountCents, 0n);
  if (feesAmountCents >= commitmentAmountCents) return null;
  const precise = fees.reduce((sum, fee) => sum.plus(fee.preciseAmountCents), new Dec(0));
  return {
    commitmentAmountCents,
    feesAmountCents,
    amountCents: commitmentAmountCents - feesAmountCents,
    preciseAmountCents: new Dec(commitmentAmountCents.toString()).minus(precise),
  };
}

/** Lago's tax precedence for a commitment fee: its own taxes, else the plan's, else the customer's. */
export function commitmentTaxes(taxes: { commitment: TaxRate[]; plan: TaxRate[]; customer: TaxRate[] }): TaxRate[] {
  if (taxes.commitment.length > 0) return taxes.commitment;
  return taxes.plan.length > 0 ? taxes.plan : taxes.customer;
}

/** The true-up fee line: one unit of C − F, named as the commitment (or Lago's default), dated with the plan period. */
export function commitmentFeeLine(
  plan: { code: string; name: string },
  commitment: CommitmentTerms,
  closed: CommitmentPeriod,
  trueUp: CommitmentTrueUp,
  currency: string,
  taxes: TaxRate[],
): FeeLine {
  return {
    key: 'commitment',
    kind: 'commitment',
    chargeId: null,
    itemCode: plan.code,
    itemName: plan.name,
    invoiceDisplayName: commitment.invoiceDisplayName ?? DEFAULT_COMMITMENT_NAME,
    units: new Dec(1),
    totalAggregatedUnits: new Dec(1),
    eventsCount: 0,
    amountCents: trueUp.amountCents,
    preciseAmountCents: trueUp.preciseAmountCents,
    unitAmountCents: trueUp.amountCents,
    preciseUnitAmount: new Dec(trueUp.amountCents.toString()).dividedBy(subunitToUnit(currency)),
    fromMs: closed.period.fromMs,
    toMs: closed.period.toMs,
    payInAdvance: false,
    amountDetails: {
      commitment_amount_cents: commitment.amountCents.toString(),
      covered_days: closed.coveredDays,
      full_days: closed.period.fullDays,
      prorated_commitment_amount_cents: trueUp.commitmentAmountCents.toString(),
      fees_amount_cents: trueUp.feesAmountCents.toString(),
    },
    taxes,
  };
}
