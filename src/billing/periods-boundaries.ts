/**
 * Period boundaries: the calendar dates, in the customer's timezone, that one base-fee (or
 * charges) period covers, and the UTC instants of its first and last millisecond
 * (reference §5.1). Pure and deterministic: workflows call it for all date math.
 *
 * Invariants (tested as properties):
 * - periods tile time: the period after P starts on `addDays(P.endDate, 1)` and at `P.toMs + 1`;
 * - `fullDays` (Lago's D) is the inclusive day count of the whole, unclamped period;
 * - a period starts at 00:00 local time (or the first instant of the day where daylight saving
 *   skips midnight) and ends at 23:59:59.999 local time on its end date.
 */
import {
  addDays,
  addMonthsOnDay,
  daysInclusive,
  endOfLocalDay,
  formatLocalDate,
  isLocalDate,
  isoWeekday,
  isValidTimezone,
  parseLocalDate,
  startOfLocalDay,
  type LocalDate,
} from './calendar';
import { BILLING_TIMES, INTERVALS, type BillingTime, type DateSpan, type InstantRange, type Interval } from './types';

/** A rule about periods or subscription dates was broken; `code` is a Lago-style error code. */
export class PeriodError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PeriodError';
  }
}

/** How a plan's periods are laid out for one subscription. */
export interface BillingSchedule {
  interval: Interval;
  billingTime: BillingTime;
  /** `subscription_at`'s calendar date in `timezone`; only anniversary schedules use it. */
  anchorDate: LocalDate;
  /** IANA name: customer's, else organization's, else `UTC`. */
  timezone: string;
}

/** A whole billing period: dates in the schedule's timezone and the UTC instants they span. */
export interface Period extends DateSpan, InstantRange {
  /** D: the inclusive day count of the whole period, used as the proration denominator. */
  fullDays: number;
}

/** Throws a `PeriodError` unless `schedule` is well formed; returns it for chaining. */
export function validateBillingSchedule(schedule: BillingSchedule): BillingSchedule {
  if (!INTERVALS.includes(schedule.interval)) {
    throw new PeriodError('value_is_invalid', `Unknown interval ${String(schedule.interval)}`);
  }
  if (!BILLING_TIMES.includes(schedule.billingTime)) {
    throw new PeriodError('value_is_invalid', `Unknown billing time ${String(schedule.billingTime)}`);
  }
  if (typeof schedule.anchorDate !== 'string' || !isLocalDate(schedule.anchorDate)) {
    throw new PeriodError('value_is_invalid', `Anchor is not a YYYY-MM-DD date: ${String(schedule.anchorDate)}`);
  }
  if (!isValidTimezone(schedule.timezone)) {
    throw new PeriodError('value_is_invalid', `Unknown timezone ${String(schedule.timezone)}`);
  }
  return schedule;
}

/** The whole period (not clamped to any subscription start or end) that contains `date`. */
export function periodContaining(schedule: BillingSchedule, date: LocalDate): Period {
  validateBillingSchedule(schedule);
  const [startDate, endDate] = spanContaining(schedule, parseDate(date));
  return {
    startDate,
    endDate,
    fromMs: startOfLocalDay(startDate, schedule.timezone),
    toMs: endOfLocalDay(endDate, schedule.timezone),
    fullDays: daysInclusive(startDate, endDate),
  };
}

/** The first date of the period after the one containing `date` (always later than `date`). */
export function nextPeriodStart(schedule: BillingSchedule, date: LocalDate): LocalDate {
  validateBillingSchedule(schedule);
  return addDays(spanContaining(schedule, parseDate(date))[1], 1);
}

/** Whether a period of `schedule` starts on `date`. */
export function isPeriodStart(schedule: BillingSchedule, date: LocalDate): boolean {
  validateBillingSchedule(schedule);
  return spanContaining(schedule, parseDate(date))[0] === date;
}

/** Months in one period of a month-based interval. */
const MONTHS: Record<Exclude<Interval, 'weekly'>, number> = { monthly: 1, quarterly: 3, semiannual: 6, yearly: 12 };

function parseDate(date: LocalDate): LocalDate {
  if (typeof date !== 'string' || !isLocalDate(date)) {
    throw new PeriodError('value_is_invalid', `Not a YYYY-MM-DD date: ${String(date)}`);
  }
  return date;
}

function spanContaining(schedule: BillingSchedule, date: LocalDate): [LocalDate, LocalDate] {
  if (schedule.interval === 'weekly') {
    const firstWeekday = schedule.billingTime === 'calendar' ? 1 : isoWeekday(schedule.anchorDate);
    const start = addDays(date, -((isoWeekday(date) - firstWeekday + 7) % 7));
    return [start, addDays(start, 6)];
  }
  const months = MONTHS[schedule.interval];
  const start =
    schedule.billingTime === 'calendar' ? calendarStart(date, months) : anniversaryStart(schedule.anchorDate, date, months);
  // Calendar periods are anniversary periods anchored on January 1st, so one rule gives the end.
  const anchorDay = schedule.billingTime === 'calendar' ? 1 : parseLocalDate(schedule.anchorDate).day;
  return [start, addDays(addMonthsOnDay(start, months, anchorDay), -1)];
}

function calendarStart(date: LocalDate, months: number): LocalDate {
  const { year, month } = parseLocalDate(date);
  return formatLocalDate({ year, month: Math.floor((month - 1) / months) * months + 1, day: 1 });
}

/**
 * Anniversary periods start every `months` months from the anchor's month, on the anchor's day
 * clamped to the month's length; each ends the day before the next one starts.
 */
function anniversaryStart(anchorDate: LocalDate, date: LocalDate, months: number): LocalDate {
  const anchor = parseLocalDate(anchorDate);
  const target = parseLocalDate(date);
  const monthsApart = target.year * 12 + target.month - (anchor.year * 12 + anchor.month);
  const steps = Math.floor(monthsApart / months);
  const start = addMonthsOnDay(anchorDate, steps * months, anchor.day);
  // Same month as `date` but a later day: the period containing `date` began one step earlier.
  return start <= date ? start : addMonthsOnDay(anchorDate, (steps - 1) * months, anchor.day);
}
