/**
 * What each invoice of a subscription covers: the base-fee days and the charges (usage) window,
 * from the subscription's terms (reference §4, §5.1–5.3). Pure and deterministic.
 *
 * Rules, all on calendar dates in the schedule's timezone:
 * - Billing dates are the period starts after the start date (monthly starts too when charges are
 *   billed monthly on a yearly/semiannual plan), plus, for in-advance plans, the trial's end date.
 *   The workflow issues the invoice of billing date B at the start of B (`startOfLocalDay`).
 * - Base fee, in advance: billed once per period, on the later of the period start, the start date
 *   and the trial end date; from that day to the period end (or the ending date). In arrears: at the
 *   next period start, for the period's days from the start date and trial end (possibly 0 days).
 * - Charges: always in arrears, for the charges period ending the day before B; the first window
 *   starts at the exact `startedAt` instant, the last one ends at the termination instant.
 * - Termination: arrears base fee up to the termination day inclusive, one day less for an upgrade
 *   (the upgrade day is billed on the new plan); in-advance plans get a credit note instead
 *   (`unusedDaysCredit` in proration.ts).
 * Every day from the first billable day to the end is billed exactly once, and the charges windows
 * tile [startedAt, end] without gap or overlap.
 */
import { addDays, daysInclusive, isLocalDate, localDateOf, maxLocalDate, minLocalDate, startOfLocalDay, type LocalDate } from './calendar';
import {
  PeriodError,
  isPeriodStart,
  nextPeriodStart,
  periodContaining,
  validateBillingSchedule,
  type BillingSchedule,
  type Period,
} from './periods-boundaries';
import type { DateSpan, InstantRange } from './types';

export interface SubscriptionTerms {
  schedule: BillingSchedule;
  /** The instant the subscription started (ms since the epoch). */
  startedAt: number;
  payInAdvance: boolean;
  /** Bill charges every month while the base fee stays yearly/semiannual (ignored otherwise). */
  billChargesMonthly: boolean;
  /**
   * Bill fixed charges every month while the base fee stays yearly/semiannual (ignored otherwise).
   * Optional: terms recorded before fixed charges existed lack it (false).
   */
  billFixedChargesMonthly?: boolean;
  /** `started_at + trial_period days`, or null without a trial. */
  trialEndsAt: number | null;
  /** `ending_at`: the instant the subscription terminates by itself, or null. */
  endingAt: number | null;
}

/**
 * The base fee on one invoice. The span (`startDate`…`endDate`, `fromMs`…`toMs`) is the part of
 * `period` the fee covers, clamped to the start and the end of the subscription; `billedDays`
 * counts its days after the trial (and without the upgrade day).
 */
export interface BaseFeeScope extends DateSpan, InstantRange {
  period: Period;
  billedDays: number;
  fullDays: number;
}

/** The usage window billed on one invoice: `period` clamped to `startedAt` and termination. */
export interface ChargesScope extends InstantRange {
  period: Period;
}

export interface InvoiceScope {
  baseFee: BaseFeeScope | null;
  charges: ChargesScope | null;
}

export type TerminationReason = 'termination' | 'upgrade';

/** Throws a `PeriodError` unless `terms` is well formed; returns it for chaining. */
export function validateSubscriptionTerms(terms: SubscriptionTerms): SubscriptionTerms {
  validateBillingSchedule(terms.schedule);
  if (!isInstant(terms.startedAt)) throw invalid(`startedAt is not an instant: ${String(terms.startedAt)}`);
  if (typeof terms.payInAdvance !== 'boolean') throw invalid('payInAdvance must be a boolean');
  if (typeof terms.billChargesMonthly !== 'boolean') throw invalid('billChargesMonthly must be a boolean');
  if (terms.trialEndsAt !== null && !isInstant(terms.trialEndsAt)) {
    throw invalid(`trialEndsAt is not an instant: ${String(terms.trialEndsAt)}`);
  }
  if (terms.endingAt !== null && (!isInstant(terms.endingAt) || terms.endingAt <= terms.startedAt)) {
    throw invalid(`endingAt must be an instant after startedAt: ${String(terms.endingAt)}`);
  }
  return terms;
}

/** The schedule of charges periods: monthly when `billChargesMonthly` applies, else the plan's. */
export function chargesSchedule(terms: SubscriptionTerms): BillingSchedule {
  const { schedule } = terms;
  const monthly = terms.billChargesMonthly && (schedule.interval === 'yearly' || schedule.interval === 'semiannual');
  return monthly ? { ...schedule, interval: 'monthly' } : schedule;
}

/** The schedule of fixed-charge periods: monthly when `billFixedChargesMonthly` applies, else the plan's. */
export function fixedChargesSchedule(terms: SubscriptionTerms): BillingSchedule {
  const { schedule } = terms;
  const monthly = terms.billFixedChargesMonthly === true && (schedule.interval === 'yearly' || schedule.interval === 'semiannual');
  return monthly ? { ...schedule, interval: 'monthly' } : schedule;
}

/** Whether an invoice is issued on `date` (after the start; the ending date is not considered). */
export function isBillingDate(terms: SubscriptionTerms, date: LocalDate): boolean {
  return billsOn(terms, datesOf(terms), date);
}

/**
 * The first billing date strictly after `afterDate`. It ignores `endingAt`: the workflow bills the
 * dates B with `startOfLocalDay(B) <= endingAt`, then calls `terminationScope` at `endingAt`.
 */
export function nextBillingDate(terms: SubscriptionTerms, afterDate: LocalDate): LocalDate {
  const dates = datesOf(terms);
  if (typeof afterDate !== 'string' || !isLocalDate(afterDate)) throw invalid(`Not a YYYY-MM-DD date: ${String(afterDate)}`);
  const from = maxLocalDate(afterDate, dates.start);
  const chargesBoundary = nextPeriodStart(dates.charges, from);
  // Monthly fixed charges on a yearly/semiannual plan add their month starts (terms without them: the same dates as before).
  const fixedBoundary = dates.fixed ? nextPeriodStart(dates.fixed, from) : chargesBoundary;
  const boundary = fixedBoundary < chargesBoundary ? fixedBoundary : chargesBoundary;
  const trialEnd = terms.payInAdvance && dates.firstBillable > from ? dates.firstBillable : null;
  return trialEnd !== null && trialEnd < boundary ? trialEnd : boundary;
}

/** The invoice issued when the subscription starts: an in-advance base fee, or null. */
export function startingInvoiceScope(terms: SubscriptionTerms): InvoiceScope | null {
  const dates = datesOf(terms);
  const baseFee = terms.payInAdvance ? advanceBaseFeeDueOn(terms, dates, dates.start) : null;
  return baseFee === null ? null : { baseFee, charges: null };
}

/** What the invoice issued on billing date `billingDate` covers. */
export function invoiceScopeAt(terms: SubscriptionTerms, billingDate: LocalDate): InvoiceScope {
  const dates = datesOf(terms);
  if (!billsOn(terms, dates, billingDate)) {
    throw new PeriodError('not_a_billing_date', `No invoice is issued on ${billingDate}`);
  }
  if (dates.ending !== null && billingDate > dates.ending) {
    throw new PeriodError('subscription_ended', `The subscription ends on ${dates.ending}, before ${billingDate}`);
  }
  const previousDay = addDays(billingDate, -1);
  const charges = isPeriodStart(dates.charges, billingDate)
    ? clampCharges(terms, periodContaining(dates.charges, previousDay))
    : null;
  let baseFee: BaseFeeScope | null = null;
  if (terms.payInAdvance) baseFee = advanceBaseFeeDueOn(terms, dates, billingDate);
  else if (isPeriodStart(terms.schedule, billingDate)) {
    const period = periodContaining(terms.schedule, previousDay);
    baseFee = arrearsBaseFee(dates, period, period.endDate, period.toMs, period.endDate);
  }
  return { baseFee, charges };
}

/**
 * The final invoice when the subscription is terminated (or upgraded, or reaches `endingAt`) at
 * `terminatedAtMs`: charges up to that instant and, for arrears plans, the base fee up to the
 * termination day (excluded for an upgrade). In-advance plans get no base fee here.
 */
export function terminationScope(terms: SubscriptionTerms, terminatedAtMs: number, reason: TerminationReason): InvoiceScope {
  const dates = datesOf(terms);
  if (!isInstant(terminatedAtMs) || terminatedAtMs < terms.startedAt) {
    throw invalid(`Termination must be an instant at or after startedAt: ${String(terminatedAtMs)}`);
  }
  if (terms.endingAt !== null && terminatedAtMs > terms.endingAt) {
    throw new PeriodError('subscription_ended', 'The subscription ended before this termination');
  }
  if (reason !== 'termination' && reason !== 'upgrade') throw invalid(`Unknown termination reason ${String(reason)}`);
  const day = localDateOf(terminatedAtMs, terms.schedule.timezone);
  const charges = { ...clampCharges(terms, periodContaining(dates.charges, day)), toMs: terminatedAtMs };
  if (terms.payInAdvance) return { baseFee: null, charges };
  const lastBilledDay = reason === 'upgrade' ? addDays(day, -1) : day;
  const period = periodContaining(terms.schedule, day);
  return { baseFee: arrearsBaseFee(dates, period, day, terminatedAtMs, lastBilledDay), charges };
}

/** The charges window containing `atMs` (current usage): its period clamped to `startedAt`. */
export function chargesScopeAt(terms: SubscriptionTerms, atMs: number): ChargesScope {
  const dates = datesOf(terms);
  if (!isInstant(atMs)) throw invalid(`Not an instant: ${String(atMs)}`);
  const day = maxLocalDate(localDateOf(atMs, terms.schedule.timezone), dates.start);
  return clampCharges(terms, periodContaining(dates.charges, day));
}

// ---- internals ----------------------------------------------------------------------------------

interface SubscriptionDates {
  start: LocalDate;
  /** The first day the base fee is billed: the start date, or the trial's end date if later. */
  firstBillable: LocalDate;
  ending: LocalDate | null;
  charges: BillingSchedule;
  /** The fixed-charge schedule when it is monthly while the charges' is not; null otherwise. */
  fixed: BillingSchedule | null;
}

function billsOn(terms: SubscriptionTerms, dates: SubscriptionDates, date: LocalDate): boolean {
  if (date <= dates.start) return false;
  return isPeriodStart(dates.charges, date) || (dates.fixed !== null && isPeriodStart(dates.fixed, date))
    || (terms.payInAdvance && date === dates.firstBillable);
}

function datesOf(terms: SubscriptionTerms): SubscriptionDates {
  validateSubscriptionTerms(terms);
  const tz = terms.schedule.timezone;
  const start = localDateOf(terms.startedAt, tz);
  const trialEnd = terms.trialEndsAt !== null && terms.trialEndsAt > terms.startedAt ? localDateOf(terms.trialEndsAt, tz) : start;
  return {
    start,
    firstBillable: maxLocalDate(start, trialEnd),
    ending: terms.endingAt === null ? null : localDateOf(terms.endingAt, tz),
    charges: chargesSchedule(terms),
    fixed: fixedChargesSchedule(terms).interval !== chargesSchedule(terms).interval ? fixedChargesSchedule(terms) : null,
  };
}

/** The in-advance base fee of the period containing `date`, if it falls due on `date`. */
function advanceBaseFeeDueOn(terms: SubscriptionTerms, dates: SubscriptionDates, date: LocalDate): BaseFeeScope | null {
  const period = periodContaining(terms.schedule, date);
  const startDate = maxLocalDate(period.startDate, dates.start);
  if (maxLocalDate(startDate, dates.firstBillable) !== date) return null;
  const endDate = dates.ending === null ? period.endDate : minLocalDate(period.endDate, dates.ending);
  const toMs = terms.endingAt === null ? period.toMs : Math.min(period.toMs, terms.endingAt);
  return baseFee(period, startDate, endDate, toMs, daysInclusive(date, endDate), terms.schedule.timezone);
}

/** An arrears base fee for `period` up to `endDate`/`toMs`, billing the days up to `lastBilledDay`. */
function arrearsBaseFee(
  dates: SubscriptionDates,
  period: Period,
  endDate: LocalDate,
  toMs: number,
  lastBilledDay: LocalDate,
): BaseFeeScope {
  const startDate = maxLocalDate(period.startDate, dates.start);
  const firstBilledDay = maxLocalDate(startDate, dates.firstBillable);
  const billedDays = Math.max(0, daysInclusive(firstBilledDay, lastBilledDay));
  return baseFee(period, startDate, endDate, toMs, billedDays, dates.charges.timezone);
}

/** A base-fee scope over `startDate`…`endDate` of `period`, from the start of `startDate` to `toMs`. */
function baseFee(period: Period, startDate: LocalDate, endDate: LocalDate, toMs: number, billedDays: number, timezone: string): BaseFeeScope {
  const fromMs = startDate === period.startDate ? period.fromMs : startOfLocalDay(startDate, timezone);
  return { period, startDate, endDate, fromMs, toMs, billedDays, fullDays: period.fullDays };
}

function clampCharges(terms: SubscriptionTerms, period: Period): ChargesScope {
  return { period, fromMs: Math.max(period.fromMs, terms.startedAt), toMs: period.toMs };
}

function isInstant(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function invalid(message: string): PeriodError {
  return new PeriodError('value_is_invalid', message);
}
