/**
 * Period boundaries and invoice scopes, against hand-worked dates (reference §5.1–5.3, §11 vectors
 * 14–19, the two walkthroughs). Day counts are worked out in the comments.
 */
import {
  PeriodError,
  chargesSchedule,
  chargesScopeAt,
  invoiceScopeAt,
  isBillingDate,
  isPeriodStart,
  nextBillingDate,
  nextPeriodStart,
  periodContaining,
  startingInvoiceScope,
  terminationScope,
  type BillingSchedule,
  type SubscriptionTerms,
} from '../../src/billing/periods';
import { proratedBaseFee, unusedDaysCredit } from '../../src/billing/proration';
import type { BillingTime, Interval } from '../../src/billing/types';

const DAY_MS = 86_400_000;
const ms = (iso: string): number => Date.parse(iso);
const iso = (instant: number): string => new Date(instant).toISOString();

function schedule(interval: Interval, billingTime: BillingTime, anchorDate = '2000-01-01', timezone = 'UTC'): BillingSchedule {
  return { interval, billingTime, anchorDate, timezone };
}

function span(s: BillingSchedule, date: string): [string, string, number] {
  const p = periodContaining(s, date);
  return [p.startDate, p.endDate, p.fullDays];
}

/** Consecutive periods from the one containing `from`. */
function periodsFrom(s: BillingSchedule, from: string, count: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let date = from;
  for (let i = 0; i < count; i++) {
    const p = periodContaining(s, date);
    out.push([p.startDate, p.endDate]);
    date = nextPeriodStart(s, date);
  }
  return out;
}

describe('calendar periods', () => {
  it.each<[Interval, string, string, string, number, string]>([
    ['monthly', '2022-03-15', '2022-03-01', '2022-03-31', 31, 'March'],
    ['monthly', '2020-02-10', '2020-02-01', '2020-02-29', 29, 'Feb 2020, leap (vector 19)'],
    ['monthly', '2022-02-10', '2022-02-01', '2022-02-28', 28, 'Feb 2022 (vector 19)'],
    ['weekly', '2022-06-22', '2022-06-20', '2022-06-26', 7, 'Wed → Mon 20 … Sun 26'],
    ['weekly', '2022-06-20', '2022-06-20', '2022-06-26', 7, 'a Monday starts its week'],
    ['weekly', '2022-06-26', '2022-06-20', '2022-06-26', 7, 'a Sunday ends its week'],
    ['weekly', '2027-01-01', '2026-12-28', '2027-01-03', 7, 'ISO week across the new year'],
    ['quarterly', '2024-05-20', '2024-04-01', '2024-06-30', 91, '30 + 31 + 30'],
    ['quarterly', '2024-02-29', '2024-01-01', '2024-03-31', 91, '31 + 29 + 31'],
    ['quarterly', '2023-11-15', '2023-10-01', '2023-12-31', 92, '31 + 30 + 31'],
    ['semiannual', '2023-03-01', '2023-01-01', '2023-06-30', 181, '31+28+31+30+31+30'],
    ['semiannual', '2024-12-31', '2024-07-01', '2024-12-31', 184, '31+31+30+31+30+31'],
    ['yearly', '2022-03-15', '2022-01-01', '2022-12-31', 365, 'common year'],
    ['yearly', '2024-07-01', '2024-01-01', '2024-12-31', 366, 'leap year'],
  ])('%s containing %s is %s … %s, D=%i (%s)', (interval, date, start, end, days) => {
    expect(span(schedule(interval, 'calendar'), date)).toEqual([start, end, days]);
  });

  it('ignores the anchor', () => {
    expect(span(schedule('monthly', 'calendar', '2027-01-19'), '2027-01-19')).toEqual(['2027-01-01', '2027-01-31', 31]);
  });
});

describe('anniversary periods', () => {
  it('anchor on the 31st: the twelve periods of reference §5.1 (common year)', () => {
    // Starts on min(31, days in month); each period ends the day before the next start.
    expect(periodsFrom(schedule('monthly', 'anniversary', '2023-01-31'), '2023-01-31', 12)).toEqual([
      ['2023-01-31', '2023-02-27'],
      ['2023-02-28', '2023-03-30'],
      ['2023-03-31', '2023-04-29'],
      ['2023-04-30', '2023-05-30'],
      ['2023-05-31', '2023-06-29'],
      ['2023-06-30', '2023-07-30'],
      ['2023-07-31', '2023-08-30'],
      ['2023-08-31', '2023-09-29'],
      ['2023-09-30', '2023-10-30'],
      ['2023-10-31', '2023-11-29'],
      ['2023-11-30', '2023-12-30'],
      ['2023-12-31', '2024-01-30'],
    ]);
  });

  it.each<[string, string, string, string, number, string]>([
    ['2022-01-31', '2022-02-10', '2022-01-31', '2022-02-27', 28, '31st: Feb period ends Feb 27 (vector 19)'],
    ['2022-01-30', '2022-02-10', '2022-01-30', '2022-02-27', 29, '30th: also ends Feb 27 (vector 19)'],
    ['2022-01-29', '2022-02-10', '2022-01-29', '2022-02-27', 30, '29th: also ends Feb 27'],
    ['2022-01-30', '2022-02-28', '2022-02-28', '2022-03-29', 30, '30th: Feb 28 starts the next one'],
    ['2022-01-29', '2022-03-01', '2022-02-28', '2022-03-28', 29, '29th: Feb 28 … Mar 28'],
    ['2024-01-31', '2024-02-10', '2024-01-31', '2024-02-28', 29, 'leap year: 31st → Feb 29 starts'],
    ['2024-01-30', '2024-02-29', '2024-02-29', '2024-03-29', 30, 'leap year: 30th → Feb 29 … Mar 29'],
    ['2022-08-31', '2022-09-10', '2022-08-31', '2022-09-29', 30, 'vector 16: Aug 31 … Sep 29'],
    ['2027-01-19', '2027-01-19', '2027-01-19', '2027-02-18', 31, 'walkthroughs: 13 + 18'],
    ['2027-01-19', '2027-03-01', '2027-02-19', '2027-03-18', 28, 'walkthroughs: 10 + 18'],
    ['2027-01-19', '2026-12-25', '2026-12-19', '2027-01-18', 31, 'dates before the anchor too'],
  ])('monthly anchored %s, containing %s: %s … %s, D=%i (%s)', (anchor, date, start, end, days) => {
    expect(span(schedule('monthly', 'anniversary', anchor), date)).toEqual([start, end, days]);
  });

  it('monthly anchor on Feb 29 of a leap year', () => {
    expect(periodsFrom(schedule('monthly', 'anniversary', '2024-02-29'), '2025-01-29', 3)).toEqual([
      ['2025-01-29', '2025-02-27'], // Feb 2025 has no 29th: the next start is Feb 28
      ['2025-02-28', '2025-03-28'],
      ['2025-03-29', '2025-04-28'],
    ]);
    expect(span(schedule('monthly', 'anniversary', '2024-02-29'), '2024-03-10')).toEqual(['2024-02-29', '2024-03-28', 29]);
  });

  it('yearly anchor on Feb 29 uses Feb 28 in common years', () => {
    const s = schedule('yearly', 'anniversary', '2024-02-29');
    expect(periodsFrom(s, '2024-02-29', 5).map(([start, end]) => [start, end, span(s, start)[2]])).toEqual([
      ['2024-02-29', '2025-02-27', 365], // 2024-02-29 → 2025-02-28 is 365 days
      ['2025-02-28', '2026-02-27', 365],
      ['2026-02-28', '2027-02-27', 365],
      ['2027-02-28', '2028-02-28', 366], // 2027-02-28 → 2028-02-29 is 366 days (2028 is leap)
      ['2028-02-29', '2029-02-27', 365],
    ]);
  });

  it.each<[Interval, string, string, string, string, number, string]>([
    ['weekly', '2022-06-22', '2022-06-28', '2022-06-22', '2022-06-28', 7, 'Wed … Tue blocks'],
    ['weekly', '2022-06-22', '2022-06-29', '2022-06-29', '2022-07-05', 7, 'the next Wednesday'],
    ['weekly', '2022-06-22', '2022-06-21', '2022-06-15', '2022-06-21', 7, 'before the anchor'],
    ['quarterly', '2024-01-15', '2024-06-20', '2024-04-15', '2024-07-14', 91, '16 + 31 + 30 + 14 (vector 17)'],
    ['quarterly', '2023-11-30', '2024-01-05', '2023-11-30', '2024-02-28', 91, '1 + 31 + 31 + 28; Feb 29 starts next'],
    ['quarterly', '2023-11-30', '2024-03-01', '2024-02-29', '2024-05-29', 91, '1 + 31 + 30 + 29'],
    ['semiannual', '2023-08-31', '2023-12-01', '2023-08-31', '2024-02-28', 182, '1+30+31+30+31+31+28'],
    ['semiannual', '2023-08-31', '2024-08-30', '2024-02-29', '2024-08-30', 184, '1+31+30+31+30+31+30'],
    ['yearly', '2023-06-29', '2023-09-28', '2023-06-29', '2024-06-28', 366, 'includes 2024-02-29 (vector 18)'],
  ])('%s anchored %s, containing %s: %s … %s, D=%i (%s)', (interval, anchor, date, start, end, days) => {
    expect(span(schedule(interval, 'anniversary', anchor), date)).toEqual([start, end, days]);
  });
});

describe('period instants', () => {
  it('spans 00:00 to 23:59:59.999 in the timezone (vector 19)', () => {
    const p = periodContaining(schedule('monthly', 'anniversary', '2022-01-31'), '2022-02-27');
    expect([iso(p.fromMs), iso(p.toMs)]).toEqual(['2022-01-31T00:00:00.000Z', '2022-02-27T23:59:59.999Z']);
  });

  it('follows Los Angeles across both daylight-saving changes of 2027', () => {
    // PST is UTC−8 (midnight = 08:00Z), PDT is UTC−7 (midnight = 07:00Z); DST from Mar 14 to Nov 7.
    const s = schedule('monthly', 'calendar', '2027-01-01', 'America/Los_Angeles');
    const instants = (date: string): [string, string] => {
      const p = periodContaining(s, date);
      return [iso(p.fromMs), iso(p.toMs)];
    };
    expect(instants('2027-01-15')).toEqual(['2027-01-01T08:00:00.000Z', '2027-02-01T07:59:59.999Z']);
    expect(instants('2027-03-15')).toEqual(['2027-03-01T08:00:00.000Z', '2027-04-01T06:59:59.999Z']);
    expect(instants('2027-07-15')).toEqual(['2027-07-01T07:00:00.000Z', '2027-08-01T06:59:59.999Z']);
    expect(instants('2027-11-15')).toEqual(['2027-11-01T07:00:00.000Z', '2027-12-01T07:59:59.999Z']);
    // The week holding the spring change is one hour short: Mon Mar 8 08:00Z … Mon Mar 15 06:59:59.999Z.
    const week = periodContaining(schedule('weekly', 'calendar', '2027-01-01', 'America/Los_Angeles'), '2027-03-14');
    expect([week.startDate, week.endDate, iso(week.fromMs), iso(week.toMs), week.fullDays]).toEqual([
      '2027-03-08', '2027-03-14', '2027-03-08T08:00:00.000Z', '2027-03-15T06:59:59.999Z', 7,
    ]);
    expect(week.toMs + 1 - week.fromMs).toBe(167 * 3_600_000);
  });

  it('finds period starts', () => {
    const s = schedule('monthly', 'anniversary', '2023-01-31');
    expect(nextPeriodStart(s, '2023-02-27')).toBe('2023-02-28');
    expect(nextPeriodStart(s, '2023-02-28')).toBe('2023-03-31');
    expect(isPeriodStart(s, '2023-02-28')).toBe(true);
    expect(isPeriodStart(s, '2023-03-30')).toBe(false);
  });

  it('rejects malformed schedules and dates', () => {
    const good = schedule('monthly', 'anniversary', '2023-01-31');
    const bad: Array<[BillingSchedule, string]> = [
      [{ ...good, interval: 'daily' as Interval }, '2023-01-01'],
      [{ ...good, billingTime: 'whenever' as BillingTime }, '2023-01-01'],
      [{ ...good, anchorDate: '2023-02-30' }, '2023-01-01'],
      [{ ...good, timezone: 'Mars/Olympus' }, '2023-01-01'],
      [good, '2023-1-1'],
    ];
    for (const [s, date] of bad) {
      expect(() => periodContaining(s, date)).toThrow(PeriodError);
    }
    expect(() => nextPeriodStart(good, '31/01/2023')).toThrow(expect.objectContaining({ code: 'value_is_invalid' }));
  });
});

function terms(overrides: Partial<SubscriptionTerms> & Pick<SubscriptionTerms, 'schedule' | 'startedAt'>): SubscriptionTerms {
  return { payInAdvance: false, billChargesMonthly: false, trialEndsAt: null, endingAt: null, ...overrides };
}

const withTrial = (startedAt: number, days: number) => ({ startedAt, trialEndsAt: startedAt + days * DAY_MS });

function fee(amount: bigint, scope: { billedDays: number; fullDays: number } | null | undefined): bigint {
  if (!scope) throw new Error('no base fee');
  return proratedBaseFee(amount, scope.billedDays, scope.fullDays).amountCents;
}

describe('base fee scopes: reference vectors 14–16', () => {
  const monthly = schedule('monthly', 'calendar');
  const march15 = ms('2022-03-15T00:00:00Z');

  it('vector 14: monthly calendar started 2022-03-15, in arrears', () => {
    // Mar 15 … Mar 31 = 17 days of 31: 100 × 17/31 = 54.84 → 55.
    const plain = invoiceScopeAt(terms({ schedule: monthly, startedAt: march15 }), '2022-04-01').baseFee;
    expect(plain).toMatchObject({ startDate: '2022-03-15', endDate: '2022-03-31', billedDays: 17, fullDays: 31 });
    expect(fee(100n, plain)).toBe(55n);
    // 3-day trial ends Mar 18 (Mar 15, 16, 17 free): Mar 18 … 31 = 14 days → 45.16 → 45.
    const trial = invoiceScopeAt(terms({ schedule: monthly, ...withTrial(march15, 3) }), '2022-04-01').baseFee;
    expect(trial).toMatchObject({ startDate: '2022-03-15', billedDays: 14, fullDays: 31 });
    expect(fee(100n, trial)).toBe(45n);
    // Started Mar 1 with a 3-day trial: Mar 4 … 31 = 28 days → 90.32 → 90.
    const full = invoiceScopeAt(terms({ schedule: monthly, ...withTrial(ms('2022-03-01T00:00:00Z'), 3) }), '2022-04-01');
    expect(fee(100n, full.baseFee)).toBe(90n);
  });

  it('vector 14: the same plan in advance bills at the start, or when the trial ends', () => {
    const advance = terms({ schedule: monthly, startedAt: march15, payInAdvance: true });
    expect(startingInvoiceScope(advance)?.baseFee).toMatchObject({ billedDays: 17, fullDays: 31 });
    expect(startingInvoiceScope(advance)?.charges).toBeNull();

    const trial = terms({ schedule: monthly, ...withTrial(march15, 3), payInAdvance: true });
    expect(startingInvoiceScope(trial)).toBeNull();
    expect(nextBillingDate(trial, '2022-03-15')).toBe('2022-03-18');
    const atTrialEnd = invoiceScopeAt(trial, '2022-03-18');
    expect(atTrialEnd.charges).toBeNull();
    expect(atTrialEnd.baseFee).toMatchObject({ startDate: '2022-03-15', endDate: '2022-03-31', billedDays: 14 });
    expect(fee(100n, atTrialEnd.baseFee)).toBe(45n);
    // Then April in advance (30/30) with March's charges from the exact start instant.
    expect(nextBillingDate(trial, '2022-03-18')).toBe('2022-04-01');
    const april = invoiceScopeAt(trial, '2022-04-01');
    expect(april.baseFee).toMatchObject({ startDate: '2022-04-01', endDate: '2022-04-30', billedDays: 30, fullDays: 30 });
    expect([iso(april.charges!.fromMs), iso(april.charges!.toMs)]).toEqual(['2022-03-15T00:00:00.000Z', '2022-03-31T23:59:59.999Z']);
  });

  it('a trial longer than a period: zero arrears fee, then billing from the trial end', () => {
    // 45 days from Mar 15: 17 days to Apr 1, 28 more → Apr 29.
    const arrears = terms({ schedule: monthly, ...withTrial(march15, 45) });
    expect(invoiceScopeAt(arrears, '2022-04-01').baseFee).toMatchObject({ billedDays: 0, fullDays: 31 });
    expect(invoiceScopeAt(arrears, '2022-05-01').baseFee).toMatchObject({ startDate: '2022-04-01', billedDays: 2 }); // Apr 29, 30

    const advance = { ...arrears, payInAdvance: true };
    expect(startingInvoiceScope(advance)).toBeNull();
    expect(invoiceScopeAt(advance, '2022-04-01').baseFee).toBeNull(); // due on Apr 29
    expect(nextBillingDate(advance, '2022-04-01')).toBe('2022-04-29');
    expect(invoiceScopeAt(advance, '2022-04-29')).toMatchObject({ baseFee: { billedDays: 2, fullDays: 30 }, charges: null });
    expect(invoiceScopeAt(advance, '2022-05-01').baseFee).toMatchObject({ billedDays: 31 });
  });

  it('a trial ending on a period start bills that period whole, on its start', () => {
    const advance = terms({ schedule: monthly, startedAt: ms('2027-01-10T00:00:00Z'), trialEndsAt: ms('2027-02-01T05:00:00Z'), payInAdvance: true });
    expect(startingInvoiceScope(advance)).toBeNull();
    expect(nextBillingDate(advance, '2027-01-10')).toBe('2027-02-01');
    expect(invoiceScopeAt(advance, '2027-02-01').baseFee).toMatchObject({ billedDays: 28, fullDays: 28 });
  });

  it('vector 15: yearly and weekly calendar plans', () => {
    // Yearly from 2022-03-15: 17+30+31+30+31+31+30+31+30+31 = 292 of 365 → 80.
    const yearly = invoiceScopeAt(terms({ schedule: schedule('yearly', 'calendar'), startedAt: march15 }), '2023-01-01');
    expect(yearly.baseFee).toMatchObject({ billedDays: 292, fullDays: 365 });
    expect(fee(100n, yearly.baseFee)).toBe(80n);
    const weekly = schedule('weekly', 'calendar');
    const wednesday = ms('2022-06-22T00:00:00Z');
    const monday = ms('2022-06-20T00:01:00Z');
    const cases: Array<[SubscriptionTerms, number, bigint, string]> = [
      [terms({ schedule: weekly, startedAt: wednesday }), 5, 71n, 'Wed … Sun: 5/7 = 71.43'],
      [terms({ schedule: weekly, ...withTrial(wednesday, 3) }), 2, 29n, 'Sat, Sun: 2/7 = 28.57'],
      [terms({ schedule: weekly, startedAt: monday }), 7, 100n, 'whole week'],
      [terms({ schedule: weekly, ...withTrial(monday, 3) }), 4, 57n, 'Thu … Sun: 4/7 = 57.14'],
    ];
    for (const [t, days, cents] of cases) {
      const scope = invoiceScopeAt(t, '2022-06-27').baseFee;
      expect(scope).toMatchObject({ billedDays: days, fullDays: 7 });
      expect(fee(100n, scope)).toBe(cents);
    }
  });

  it('vector 16: anniversary 2022-08-31, 3000 in advance, 15-day trial', () => {
    // Period Aug 31 … Sep 29 (D = 30, 100 a day). Trial from Aug 31 00:01 ends Sep 15 00:01:
    // Aug 31 … Sep 14 free, Sep 15 … Sep 29 = 15 days billed → 1500. (The reference's 16 days come
    // from a Lago spec that passes Aug 31 … Sep 30 as boundaries, a day of the next period.)
    const t = terms({
      schedule: schedule('monthly', 'anniversary', '2022-08-31'),
      ...withTrial(ms('2022-08-31T00:01:00Z'), 15),
      payInAdvance: true,
    });
    expect(startingInvoiceScope(t)).toBeNull();
    expect(nextBillingDate(t, '2022-08-31')).toBe('2022-09-15');
    const scope = invoiceScopeAt(t, '2022-09-15').baseFee;
    expect(scope).toMatchObject({ startDate: '2022-08-31', endDate: '2022-09-29', billedDays: 15, fullDays: 30 });
    expect(fee(3000n, scope)).toBe(1500n);
  });
});

describe('termination and upgrade scopes: reference vectors 17–18', () => {
  it('vector 17: quarterly 91000 started 2024-05-20, terminated 2024-06-20', () => {
    // May 20 … Jun 20 = 12 + 20 = 32 days of 91 (1000 a day) → 32000, anniversary or calendar.
    for (const s of [schedule('quarterly', 'anniversary', '2024-01-15'), schedule('quarterly', 'calendar')]) {
      const t = terms({ schedule: s, startedAt: ms('2024-05-20T09:30:00Z') });
      const scope = terminationScope(t, ms('2024-06-20T15:00:00Z'), 'termination');
      expect(scope.baseFee).toMatchObject({ startDate: '2024-05-20', endDate: '2024-06-20', billedDays: 32, fullDays: 91 });
      expect(fee(91000n, scope.baseFee)).toBe(32000n);
      expect([iso(scope.charges!.fromMs), iso(scope.charges!.toMs)]).toEqual(['2024-05-20T09:30:00.000Z', '2024-06-20T15:00:00.000Z']);
    }
  });

  it('vector 18: monthly in advance (anchor 29th) upgraded to yearly in advance on 2023-09-28', () => {
    const upgradeAt = ms('2023-09-28T10:00:00Z');
    const monthly = schedule('monthly', 'anniversary', '2023-06-29');
    const old = terms({ schedule: monthly, startedAt: ms('2023-06-29T12:12:00Z'), payInAdvance: true });
    const closing = terminationScope(old, upgradeAt, 'upgrade');
    expect(closing.baseFee).toBeNull(); // billed in advance; credited below
    expect([iso(closing.charges!.fromMs), iso(closing.charges!.toMs)]).toEqual(['2023-08-29T00:00:00.000Z', '2023-09-28T10:00:00.000Z']);
    // Period Aug 29 … Sep 28 (3 + 28 = 31 days); the upgrade day is the one unused day: 1000/31 = 32.26 → 32.
    const period = periodContaining(monthly, '2023-09-28');
    expect([period.startDate, period.endDate, period.fullDays]).toEqual(['2023-08-29', '2023-09-28', 31]);
    const credit = unusedDaysCredit({
      planAmountCents: 1000n, fullDays: period.fullDays, billedToDate: period.endDate,
      terminationDate: '2023-09-28', reason: 'upgrade', creditableCents: 1000n,
    });
    expect([credit.unusedDays, credit.amountCents]).toEqual([1, 32n]);
    // The new yearly plan inherits the anchor: 2023-06-29 … 2024-06-28 (D = 366). From Sep 28:
    // 3 + 31 + 30 + 31 + 31 + 29 + 31 + 30 + 31 + 28 = 275 days → 12000 × 275/366 = 9016.39 → 9016.
    const upgraded = terms({ schedule: { ...monthly, interval: 'yearly' }, startedAt: upgradeAt, payInAdvance: true });
    const first = startingInvoiceScope(upgraded);
    expect(first?.baseFee).toMatchObject({ startDate: '2023-09-28', endDate: '2024-06-28', billedDays: 275, fullDays: 366 });
    expect(fee(12000n, first?.baseFee)).toBe(9016n);
  });

  it('vector 18: calendar monthly in arrears upgraded on 2023-08-21 12:00', () => {
    // Aug 1 … Aug 21 is 21 days; the upgrade day goes to the new plan: 20/31 × 100 = 64.52 → 65.
    const t = terms({ schedule: schedule('monthly', 'calendar'), startedAt: ms('2023-01-10T00:00:00Z') });
    const upgrade = terminationScope(t, ms('2023-08-21T12:00:00Z'), 'upgrade');
    expect(upgrade.baseFee).toMatchObject({ startDate: '2023-08-01', endDate: '2023-08-21', billedDays: 20, fullDays: 31 });
    expect(iso(upgrade.baseFee!.toMs)).toBe('2023-08-21T12:00:00.000Z');
    expect(fee(100n, upgrade.baseFee)).toBe(65n);
    // A plain termination bills the termination day: 21/31 × 100 = 67.74 → 68.
    expect(fee(100n, terminationScope(t, ms('2023-08-21T12:00:00Z'), 'termination').baseFee)).toBe(68n);
  });

  it('an upgrade on the first day of a period bills no old-plan day', () => {
    const t = terms({ schedule: schedule('monthly', 'calendar'), startedAt: ms('2023-01-10T00:00:00Z') });
    expect(terminationScope(t, ms('2023-08-01T08:00:00Z'), 'upgrade').baseFee).toMatchObject({ billedDays: 0 });
  });
});

describe('invoice scopes: reference §5.1 and the walkthroughs', () => {
  it('§5.1: anniversary in advance created 2023-06-29 12:12Z, invoice of 2023-07-29', () => {
    const t = terms({ schedule: schedule('monthly', 'anniversary', '2023-06-29'), startedAt: ms('2023-06-29T12:12:00Z'), payInAdvance: true });
    const scope = invoiceScopeAt(t, '2023-07-29');
    expect([iso(scope.baseFee!.fromMs), iso(scope.baseFee!.toMs)]).toEqual(['2023-07-29T00:00:00.000Z', '2023-08-28T23:59:59.999Z']);
    expect([iso(scope.charges!.fromMs), iso(scope.charges!.toMs)]).toEqual(['2023-06-29T12:12:00.000Z', '2023-07-28T23:59:59.999Z']);
  });

  const walkthrough = (payInAdvance: boolean) =>
    terms({ schedule: schedule('monthly', 'anniversary', '2027-01-19'), startedAt: ms('2027-01-19T00:00:00Z'), payInAdvance });

  it('hybrid pricing: in advance from 2027-01-19', () => {
    const t = walkthrough(true);
    expect(startingInvoiceScope(t)?.baseFee).toMatchObject({ startDate: '2027-01-19', endDate: '2027-02-18', billedDays: 31, fullDays: 31 });
    expect(nextBillingDate(t, '2027-01-19')).toBe('2027-02-19');
    const second = invoiceScopeAt(t, '2027-02-19');
    expect(second.baseFee).toMatchObject({ startDate: '2027-02-19', endDate: '2027-03-18', billedDays: 28, fullDays: 28 });
    expect(second.charges?.period).toMatchObject({ startDate: '2027-01-19', endDate: '2027-02-18' });
    expect(nextBillingDate(t, '2027-02-19')).toBe('2027-03-19');
    expect(invoiceScopeAt(t, '2027-03-19').charges?.period).toMatchObject({ startDate: '2027-02-19', endDate: '2027-03-18', fullDays: 28 });
  });

  it('fair seats: in arrears from 2027-01-19', () => {
    const t = walkthrough(false);
    expect(startingInvoiceScope(t)).toBeNull();
    expect(nextBillingDate(t, '2027-01-19')).toBe('2027-02-19');
    const first = invoiceScopeAt(t, '2027-02-19');
    expect(first.baseFee).toMatchObject({ startDate: '2027-01-19', endDate: '2027-02-18', billedDays: 31, fullDays: 31 });
    expect(first.charges?.period).toMatchObject({ startDate: '2027-01-19', endDate: '2027-02-18', fullDays: 31 });
    expect(invoiceScopeAt(t, '2027-03-19').baseFee).toMatchObject({ startDate: '2027-02-19', endDate: '2027-03-18', fullDays: 28 });
  });
});

describe('charges billed monthly on yearly and semiannual plans', () => {
  const yearly = terms({
    schedule: schedule('yearly', 'calendar'),
    startedAt: ms('2027-01-01T00:00:00Z'),
    payInAdvance: true,
    billChargesMonthly: true,
  });

  it('bills charges every month and the base fee every year', () => {
    expect(startingInvoiceScope(yearly)?.baseFee).toMatchObject({ billedDays: 365, fullDays: 365 });
    expect(nextBillingDate(yearly, '2027-01-01')).toBe('2027-02-01');
    expect(invoiceScopeAt(yearly, '2027-02-01')).toMatchObject({
      baseFee: null,
      charges: { period: { startDate: '2027-01-01', endDate: '2027-01-31' } },
    });
    expect(nextBillingDate(yearly, '2027-12-01')).toBe('2028-01-01');
    expect(invoiceScopeAt(yearly, '2028-01-01')).toMatchObject({
      baseFee: { startDate: '2028-01-01', endDate: '2028-12-31', billedDays: 366, fullDays: 366 },
      charges: { period: { startDate: '2027-12-01', endDate: '2027-12-31' } },
    });
  });

  it('in arrears and anniversary: monthly charges, the year at its end', () => {
    const t = terms({ schedule: schedule('semiannual', 'anniversary', '2027-01-19'), startedAt: ms('2027-01-19T00:00:00Z'), billChargesMonthly: true });
    expect(invoiceScopeAt(t, '2027-02-19')).toMatchObject({ baseFee: null, charges: { period: { startDate: '2027-01-19', endDate: '2027-02-18' } } });
    expect(invoiceScopeAt(t, '2027-07-19')).toMatchObject({
      baseFee: { startDate: '2027-01-19', endDate: '2027-07-18', billedDays: 181 },
      charges: { period: { startDate: '2027-06-19', endDate: '2027-07-18' } },
    });
  });

  it('is ignored on other intervals', () => {
    const monthly = schedule('monthly', 'calendar');
    expect(chargesSchedule(terms({ schedule: monthly, startedAt: 0, billChargesMonthly: true }))).toBe(monthly);
    const quarterly = terms({ schedule: schedule('quarterly', 'calendar'), startedAt: ms('2027-01-01T00:00:00Z'), billChargesMonthly: true });
    expect(nextBillingDate(quarterly, '2027-01-01')).toBe('2027-04-01');
  });
});

describe('ending_at', () => {
  const base = terms({ schedule: schedule('monthly', 'calendar'), startedAt: ms('2027-01-10T00:00:00Z'), endingAt: ms('2027-03-15T12:00:00Z') });

  it('arrears: regular invoices up to the ending date, then a truncated last period', () => {
    expect(nextBillingDate(base, '2027-02-01')).toBe('2027-03-01');
    expect(invoiceScopeAt(base, '2027-03-01').baseFee).toMatchObject({ billedDays: 28 });
    expect(() => invoiceScopeAt(base, '2027-04-01')).toThrow(expect.objectContaining({ code: 'subscription_ended' }));
    const last = terminationScope(base, base.endingAt!, 'termination');
    // Mar 1 … Mar 15 = 15 days of 31.
    expect(last.baseFee).toMatchObject({ startDate: '2027-03-01', endDate: '2027-03-15', billedDays: 15, fullDays: 31 });
    expect([iso(last.charges!.fromMs), iso(last.charges!.toMs)]).toEqual(['2027-03-01T00:00:00.000Z', '2027-03-15T12:00:00.000Z']);
  });

  it('in advance: the last period is billed up to the ending date, leaving nothing to credit', () => {
    const t = { ...base, payInAdvance: true };
    const last = invoiceScopeAt(t, '2027-03-01').baseFee;
    expect(last).toMatchObject({ startDate: '2027-03-01', endDate: '2027-03-15', billedDays: 15, fullDays: 31 });
    expect(iso(last!.toMs)).toBe('2027-03-15T12:00:00.000Z');
    expect(terminationScope(t, t.endingAt!, 'termination').baseFee).toBeNull();
    const credit = unusedDaysCredit({
      planAmountCents: 3100n, fullDays: 31, billedToDate: last!.endDate, terminationDate: '2027-03-15', reason: 'termination', creditableCents: 1500n,
    });
    expect(credit.amountCents).toBe(0n);
  });

  it('a subscription ending on the day it starts', () => {
    const t = terms({ schedule: schedule('monthly', 'calendar'), startedAt: ms('2027-01-10T09:00:00Z'), endingAt: ms('2027-01-10T18:00:00Z'), payInAdvance: true });
    expect(startingInvoiceScope(t)?.baseFee).toMatchObject({ startDate: '2027-01-10', endDate: '2027-01-10', billedDays: 1, fullDays: 31 });
    expect(startingInvoiceScope({ ...t, trialEndsAt: ms('2027-01-20T09:00:00Z') })).toBeNull();
  });
});

describe('helpers and validation', () => {
  const t = terms({ schedule: schedule('monthly', 'calendar', '2000-01-01', 'Europe/Paris'), startedAt: ms('2027-01-10T15:00:00Z') });

  it('current usage: the charges window containing an instant', () => {
    expect(chargesScopeAt(t, ms('2027-01-20T00:00:00Z'))).toMatchObject({ fromMs: ms('2027-01-10T15:00:00Z'), toMs: ms('2027-01-31T22:59:59.999Z') });
    expect(chargesScopeAt(t, ms('2027-02-20T00:00:00Z')).period.startDate).toBe('2027-02-01');
    expect(chargesScopeAt(t, ms('2026-12-01T00:00:00Z')).period.startDate).toBe('2027-01-01'); // before the start
    expect(() => chargesScopeAt(t, Number.NaN)).toThrow(PeriodError);
  });

  it('tells billing dates apart', () => {
    expect(isBillingDate(t, '2027-02-01')).toBe(true);
    expect(isBillingDate(t, '2027-01-01')).toBe(false); // before the start
    expect(isBillingDate(t, '2027-02-02')).toBe(false);
    expect(nextBillingDate(t, '2026-06-01')).toBe('2027-02-01');
    expect(() => nextBillingDate(t, '')).toThrow(PeriodError);
    expect(() => invoiceScopeAt(t, '2027-02-02')).toThrow(expect.objectContaining({ code: 'not_a_billing_date' }));
    expect(() => invoiceScopeAt(t, '2027-01-01')).toThrow(expect.objectContaining({ code: 'not_a_billing_date' }));
  });

  it('rejects malformed terms and terminations', () => {
    const bad: Array<Partial<SubscriptionTerms>> = [
      { startedAt: Number.NaN },
      { startedAt: 1.5 },
      { payInAdvance: 'yes' as unknown as boolean },
      { billChargesMonthly: null as unknown as boolean },
      { trialEndsAt: Number.POSITIVE_INFINITY },
      { endingAt: t.startedAt },
      { schedule: { ...t.schedule, timezone: 'Nowhere/Else' } },
    ];
    for (const override of bad) {
      expect(() => nextBillingDate({ ...t, ...override }, '2027-01-10')).toThrow(PeriodError);
    }
    expect(() => terminationScope(t, t.startedAt - 1, 'termination')).toThrow(PeriodError);
    expect(() => terminationScope(t, t.startedAt, 'downgrade' as 'upgrade')).toThrow(PeriodError);
    const ending = { ...t, endingAt: t.startedAt + DAY_MS };
    expect(() => terminationScope(ending, ending.endingAt + 1, 'termination')).toThrow(expect.objectContaining({ code: 'subscription_ended' }));
  });

  it('a termination at the start instant covers one day and one millisecond of usage', () => {
    const scope = terminationScope(t, t.startedAt, 'termination');
    expect(scope.baseFee).toMatchObject({ startDate: '2027-01-10', endDate: '2027-01-10', billedDays: 1 });
    expect([scope.charges!.fromMs, scope.charges!.toMs]).toEqual([t.startedAt, t.startedAt]);
  });
});
