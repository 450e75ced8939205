/**
 * Properties of periods, invoice scopes and proration over random schedules, anchors (1990–2100)
 * and timezones with awkward offsets and daylight-saving rules.
 */
import fc from 'fast-check';
import {
  addDays,
  daysBetween,
  daysInclusive,
  daysInMonth,
  isoWeekday,
  localDateOf,
  maxLocalDate,
  parseLocalDate,
  startOfLocalDay,
} from '../../src/billing/calendar';
import {
  invoiceScopeAt,
  isPeriodStart,
  nextBillingDate,
  nextPeriodStart,
  periodContaining,
  startingInvoiceScope,
  terminationScope,
  type BillingSchedule,
  type InvoiceScope,
  type Period,
  type SubscriptionTerms,
} from '../../src/billing/periods';
import { proratedBaseFee } from '../../src/billing/proration';
import { BILLING_TIMES, INTERVALS, type Interval } from '../../src/billing/types';

const TIMEZONES = [
  'UTC',
  'America/Los_Angeles',
  'Europe/Paris',
  'Asia/Kolkata',
  'Australia/Lord_Howe', // half-hour daylight saving
  'Pacific/Chatham', // UTC+12:45 / +13:45
  'America/Santiago', // daylight saving changes at midnight
];

const HOUR_MS = 3_600_000;
const dateBetween = (from: string, to: string) => fc.integer({ min: 0, max: daysBetween(from, to) }).map((n) => addDays(from, n));
const scheduleArb: fc.Arbitrary<BillingSchedule> = fc.record({
  interval: fc.constantFrom(...INTERVALS),
  billingTime: fc.constantFrom(...BILLING_TIMES),
  anchorDate: dateBetween('1990-01-01', '2100-12-31'),
  timezone: fc.constantFrom(...TIMEZONES),
});

const MONTHS: Record<Exclude<Interval, 'weekly'>, number> = { monthly: 1, quarterly: 3, semiannual: 6, yearly: 12 };
const DAY_RANGE: Record<Interval, [number, number]> = {
  weekly: [7, 7],
  monthly: [28, 31],
  quarterly: [89, 92],
  semiannual: [181, 184],
  yearly: [365, 366],
};

/** What is wrong with one period on its own (plain checks: jest's expect is slow in tight loops). */
function problemsOf(s: BillingSchedule, p: Period): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(`${p.startDate}…${p.endDate}: ${what}`);
  };
  check(p.fullDays === daysInclusive(p.startDate, p.endDate), `D ${p.fullDays} is not the inclusive day count`);
  const [minDays, maxDays] = DAY_RANGE[s.interval];
  check(p.fullDays >= minDays && p.fullDays <= maxDays, `D ${p.fullDays} outside ${minDays}…${maxDays}`);
  // The instants are the first and last millisecond of the local dates.
  check(localDateOf(p.fromMs, s.timezone) === p.startDate, 'fromMs is not on the start date');
  check(localDateOf(p.fromMs - 1, s.timezone) === addDays(p.startDate, -1), 'fromMs is not the first instant');
  check(localDateOf(p.toMs, s.timezone) === p.endDate, 'toMs is not on the end date');
  check(localDateOf(p.toMs + 1, s.timezone) === addDays(p.endDate, 1), 'toMs is not the last instant');
  // Where periods start.
  const start = parseLocalDate(p.startDate);
  const anchor = parseLocalDate(s.anchorDate);
  if (s.interval === 'weekly') {
    check(isoWeekday(p.startDate) === (s.billingTime === 'calendar' ? 1 : isoWeekday(s.anchorDate)), 'wrong weekday');
  } else if (s.billingTime === 'calendar') {
    check(start.day === 1 && (start.month - 1) % MONTHS[s.interval] === 0, 'not a calendar start');
  } else {
    check(start.day === Math.min(anchor.day, daysInMonth(start.year, start.month)), 'not on the clamped anchor day');
    check((start.month - anchor.month + 12) % MONTHS[s.interval] === 0, 'not a whole number of periods from the anchor');
  }
  return problems;
}

describe('periods (properties)', () => {
  it('tile ten years from any anchor: no gap, no overlap, D = inclusive day count', () => {
    fc.assert(
      fc.property(scheduleArb, (s) => {
        const horizon = addDays(s.anchorDate, 3653);
        let period = periodContaining(s, s.anchorDate);
        expect(period.startDate <= s.anchorDate && s.anchorDate <= period.endDate).toBe(true);
        if (s.billingTime === 'anniversary') expect(period.startDate).toBe(s.anchorDate);
        const problems: string[] = [];
        while (period.startDate <= horizon) {
          problems.push(...problemsOf(s, period));
          const fromEnd = periodContaining(s, period.endDate);
          if (fromEnd.startDate !== period.startDate) problems.push(`${period.endDate} falls in ${fromEnd.startDate}…`);
          const next = periodContaining(s, nextPeriodStart(s, period.startDate));
          if (next.startDate !== addDays(period.endDate, 1)) problems.push(`gap or overlap after ${period.endDate}`);
          if (next.fromMs !== period.toMs + 1) problems.push(`instants do not touch after ${period.endDate}`);
          period = next;
        }
        expect(problems).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('give every date of a period the same period', () => {
    fc.assert(
      fc.property(scheduleArb, dateBetween('1990-01-01', '2110-12-31'), (s, date) => {
        const period = periodContaining(s, date);
        expect(period.startDate <= date && date <= period.endDate).toBe(true);
        expect(periodContaining(s, period.startDate)).toEqual(period);
        expect(periodContaining(s, period.endDate)).toEqual(period);
        expect(nextPeriodStart(s, date)).toBe(addDays(period.endDate, 1));
        expect(isPeriodStart(s, date)).toBe(date === period.startDate);
      }),
    );
  });
});

describe('proration (properties)', () => {
  const amountArb = fc.bigInt({ min: 0n, max: 10n ** 12n });

  it('bills the full amount for a whole period', () => {
    fc.assert(
      fc.property(amountArb, scheduleArb, dateBetween('1990-01-01', '2100-12-31'), (amount, s, date) => {
        const { fullDays } = periodContaining(s, date);
        expect(proratedBaseFee(amount, fullDays, fullDays).amountCents).toBe(amount);
      }),
    );
  });

  // round(a·x/D) + round(a·(D−x)/D) = a, except when a·x/D ends in exactly .5: both parts then
  // round away from zero and the sum is a + 1. It is never below a (a ≥ 0).
  it('splits a period at any day into parts summing to the whole, +1 exactly on a half', () => {
    fc.assert(
      fc.property(amountArb, scheduleArb, dateBetween('1990-01-01', '2100-12-31'), (amount, s, date) => {
        const period = periodContaining(s, date);
        const before = daysBetween(period.startDate, date);
        const after = daysInclusive(date, period.endDate);
        const D = BigInt(period.fullDays);
        const sum = proratedBaseFee(amount, before, period.fullDays).amountCents + proratedBaseFee(amount, after, period.fullDays).amountCents;
        const onHalf = (2n * amount * BigInt(before)) % (2n * D) === D;
        expect(sum).toBe(amount + (onHalf ? 1n : 0n));
      }),
    );
  });

  it('hits the half case the statement describes', () => {
    // 1 cent over 30 days split 15/15: 0.5 + 0.5 → 1 + 1 = 2.
    expect(proratedBaseFee(1n, 15, 30).amountCents + proratedBaseFee(1n, 15, 30).amountCents).toBe(2n);
  });

  it('never decreases with the billed days', () => {
    fc.assert(
      fc.property(amountArb, fc.integer({ min: 1, max: 366 }), fc.nat(), (amount, D, seed) => {
        const days = seed % D;
        expect(proratedBaseFee(amount, days, D).amountCents <= proratedBaseFee(amount, days + 1, D).amountCents).toBe(true);
      }),
    );
  });
});

// ---- invoice scopes over a subscription's life ------------------------------------------------

const termsArb: fc.Arbitrary<SubscriptionTerms> = fc
  .record({
    schedule: scheduleArb,
    startDate: dateBetween('2000-01-01', '2090-12-31'),
    startHour: fc.integer({ min: 0, max: 23 }),
    anchorDaysBefore: fc.integer({ min: 0, max: 400 }),
    payInAdvance: fc.boolean(),
    billChargesMonthly: fc.boolean(),
    trialHours: fc.option(fc.integer({ min: 0, max: 90 * 24 })),
    endingHours: fc.option(fc.integer({ min: 1, max: 800 * 24 })),
  })
  .map((r) => {
    const startedAt = startOfLocalDay(r.startDate, r.schedule.timezone) + r.startHour * HOUR_MS;
    const anchorDate = addDays(localDateOf(startedAt, r.schedule.timezone), -r.anchorDaysBefore);
    return {
      schedule: { ...r.schedule, anchorDate },
      startedAt,
      payInAdvance: r.payInAdvance,
      billChargesMonthly: r.billChargesMonthly,
      trialEndsAt: r.trialHours === null ? null : startedAt + r.trialHours * HOUR_MS,
      endingAt: r.endingHours === null ? null : startedAt + r.endingHours * HOUR_MS,
    };
  });

/** Runs a subscription as the workflow would: starting invoice, billing dates, final termination. */
function invoicesOf(terms: SubscriptionTerms): InvoiceScope[] {
  const tz = terms.schedule.timezone;
  const horizon = addDays(localDateOf(terms.startedAt, tz), 800);
  const invoices: InvoiceScope[] = [];
  const starting = startingInvoiceScope(terms);
  if (starting) invoices.push(starting);
  let date = localDateOf(terms.startedAt, tz);
  for (;;) {
    date = nextBillingDate(terms, date);
    if (terms.endingAt !== null ? startOfLocalDay(date, tz) > terms.endingAt : date > horizon) break;
    invoices.push(invoiceScopeAt(terms, date));
  }
  if (terms.endingAt !== null) invoices.push(terminationScope(terms, terms.endingAt, 'termination'));
  return invoices;
}

describe('invoice scopes (properties)', () => {
  it('bill every base-fee day once and every usage instant once, from the start to the end', () => {
    fc.assert(
      fc.property(termsArb, (terms) => {
        const tz = terms.schedule.timezone;
        const startDate = localDateOf(terms.startedAt, tz);
        const trialEnd = terms.trialEndsAt !== null && terms.trialEndsAt > terms.startedAt ? localDateOf(terms.trialEndsAt, tz) : startDate;
        const firstBillable = maxLocalDate(startDate, trialEnd);
        const invoices = invoicesOf(terms);

        let nextBilledDay: string | null = null; // the day the next non-empty base fee must start on
        let lastBilledDay: string | null = null;
        let nextChargeMs = terms.startedAt;
        for (const invoice of invoices) {
          expect(invoice.baseFee !== null || invoice.charges !== null).toBe(true);
          const base = invoice.baseFee;
          if (base) {
            expect(base.fullDays).toBe(base.period.fullDays);
            expect(base.startDate >= base.period.startDate && base.endDate <= base.period.endDate).toBe(true);
            expect(base.startDate >= startDate && base.startDate <= base.endDate).toBe(true);
            const from = maxLocalDate(base.startDate, firstBillable);
            expect(base.billedDays).toBe(Math.max(0, daysInclusive(from, base.endDate)));
            if (base.billedDays > 0) {
              expect(from).toBe(nextBilledDay ?? firstBillable);
              nextBilledDay = addDays(base.endDate, 1);
              lastBilledDay = base.endDate;
            }
          }
          if (invoice.charges) {
            expect(invoice.charges.fromMs).toBe(nextChargeMs);
            expect(invoice.charges.toMs >= invoice.charges.fromMs).toBe(true);
            nextChargeMs = invoice.charges.toMs + 1;
          }
        }
        if (terms.endingAt !== null) {
          const endingDate = localDateOf(terms.endingAt, tz);
          expect(lastBilledDay).toBe(firstBillable <= endingDate ? endingDate : null);
          expect(nextChargeMs).toBe(terms.endingAt + 1);
        }
      }),
      { numRuns: 150 },
    );
  });
});
