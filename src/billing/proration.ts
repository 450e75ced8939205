/**
 * Base-fee proration by days (reference §5.2–5.3): `amount × days / D`, computed exactly and
 * rounded once, half away from zero, where D is the whole period's day count.
 *
 * Splitting a period of D days at any day, the two rounded parts add up to the full amount, or to
 * one cent more exactly when `amount × days / D` ends in .5 (both halves round up); never less.
 */
import { daysBetween, isLocalDate, type LocalDate } from './calendar';
import { Dec, roundCents, type Cents } from './money';
import type { TerminationReason } from './periods-scopes';

export class ProrationError extends Error {
  readonly code = 'value_is_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'ProrationError';
  }
}

export interface ProratedAmount {
  amountCents: Cents;
  /** `amount × days / D` before rounding. */
  preciseAmountCents: Dec;
}

/** The base fee for `billedDays` of a period of `fullDays` days whose whole fee is `amountCents`. */
export function proratedBaseFee(amountCents: Cents, billedDays: number, fullDays: number): ProratedAmount {
  checkAmount(amountCents, 'amountCents');
  checkDays(fullDays, billedDays);
  return prorate(amountCents, billedDays, fullDays);
}

export interface UnusedDaysCreditInput {
  /** The plan's amount for a whole period. */
  planAmountCents: Cents;
  /** D of the period the in-advance fee was billed for. */
  fullDays: number;
  /** The last day the in-advance fee covered (the period end, or the ending date). */
  billedToDate: LocalDate;
  /** The day, in the customer's timezone, the subscription was terminated or upgraded. */
  terminationDate: LocalDate;
  reason: TerminationReason;
  /** The cap: the fee billed minus what earlier credit notes already credited on it. */
  creditableCents: Cents;
}

export interface UnusedDaysCredit extends ProratedAmount {
  unusedDays: number;
}

/**
 * The credit note for an in-advance fee when the subscription stops before the fee's end:
 * `plan / D × unused days`, where the unused days run after the termination day (a plain
 * termination uses that day) or from it (an upgrade bills that day on the new plan), capped at
 * `creditableCents`.
 */
export function unusedDaysCredit(input: UnusedDaysCreditInput): UnusedDaysCredit {
  checkAmount(input.planAmountCents, 'planAmountCents');
  checkAmount(input.creditableCents, 'creditableCents');
  checkDays(input.fullDays, 0);
  for (const date of [input.billedToDate, input.terminationDate]) {
    if (typeof date !== 'string' || !isLocalDate(date)) throw new ProrationError(`Not a YYYY-MM-DD date: ${String(date)}`);
  }
  if (input.reason !== 'termination' && input.reason !== 'upgrade') {
    throw new ProrationError(`Unknown termination reason ${String(input.reason)}`);
  }
  const afterTermination = daysBetween(input.terminationDate, input.billedToDate);
  const unused = input.reason === 'upgrade' ? afterTermination + 1 : afterTermination;
  const unusedDays = Math.min(Math.max(unused, 0), input.fullDays);
  const credit = prorate(input.planAmountCents, unusedDays, input.fullDays);
  if (credit.amountCents <= input.creditableCents) return { ...credit, unusedDays };
  return { amountCents: input.creditableCents, preciseAmountCents: new Dec(input.creditableCents.toString()), unusedDays };
}

function prorate(amountCents: Cents, days: number, fullDays: number): ProratedAmount {
  const preciseAmountCents = new Dec(amountCents.toString()).times(days).dividedBy(fullDays);
  return { amountCents: roundCents(preciseAmountCents), preciseAmountCents };
}

function checkAmount(cents: Cents, name: string): void {
  if (typeof cents !== 'bigint' || cents < 0n) throw new ProrationError(`${name} must be a non-negative bigint`);
}

function checkDays(fullDays: number, billedDays: number): void {
  if (!Number.isSafeInteger(fullDays) || fullDays < 1) throw new ProrationError(`D must be a positive integer: ${fullDays}`);
  if (!Number.isSafeInteger(billedDays) || billedDays < 0 || billedDays > fullDays) {
    throw new ProrationError(`Billed days must be an integer from 0 to ${fullDays}: ${billedDays}`);
  }
}
