/**
 * Minimum commitments (src/billing/commitments.ts), against hand-worked periods and amounts: which
 * invoice closes a plan period, the commitment prorated to the days it covers, the true-up, its
 * taxes and its fee line.
 */
import {
  DEFAULT_COMMITMENT_NAME, closedCommitmentPeriod, commitmentFeeLine, commitmentTaxes, commitmentTrueUp, type CommitmentPeriod,
} from '../../src/billing/commitments';
import { invoiceScopeAt, periodContaining, startingInvoiceScope, terminationScope, type SubscriptionTerms } from '../../src/billing/periods';
import { Dec } from '../../src/billing/money';
import type { TaxRate } from '../../src/billing/fee-lines';
import type { Interval } from '../../src/billing/types';

const ms = (iso: string): number => Date.parse(iso);

function terms(startedAt: string, fields: Partial<SubscriptionTerms> & { interval?: Interval; timezone?: string } = {}): SubscriptionTerms {
  const { interval = 'monthly', timezone = 'UTC', ...rest } = fields;
  return {
    schedule: { interval, billingTime: 'calendar', anchorDate: startedAt.slice(0, 10), timezone },
    startedAt: ms(startedAt),
    payInAdvance: false,
    billChargesMonthly: false,
    trialEndsAt: null,
    endingAt: null,
    ...rest,
  };
}

const fee = (cents: bigint, precise: string = cents.toString()) => ({ amountCents: cents, preciseAmountCents: new Dec(precise) });
const closedSpan = (closed: CommitmentPeriod | null) => closed && [closed.period.startDate, closed.period.endDate, closed.coveredDays, closed.period.fullDays];

describe('the plan period an invoice closes', () => {
  test('a monthly close covers the whole month', () => {
    const t = terms('2030-11-01T00:05:00Z');
    // The Dec 1 invoice closes November: Nov 1 … Nov 30, 30 of 30 days.
    expect(closedSpan(closedCommitmentPeriod(t, invoiceScopeAt(t, '2030-12-01'), null))).toEqual(['2030-11-01', '2030-11-30', 30, 30]);
  });

  test('a first month started on the 16th covers 15 of 30 days', () => {
    const t = terms('2031-04-16T09:00:00Z');
    // April 16 … 30 inclusive = 30 − 16 + 1 = 15 days of April's 30.
    expect(closedSpan(closedCommitmentPeriod(t, invoiceScopeAt(t, '2031-05-01'), null))).toEqual(['2031-04-01', '2031-04-30', 15, 30]);
  });

  test('the customer\'s timezone decides the days', () => {
    // 2031-04-16T02:00Z is still April 15 in New York: April 15 … 30 = 16 days.
    const t = terms('2031-04-16T02:00:00Z', { timezone: 'America/New_York' });
    expect(closedSpan(closedCommitmentPeriod(t, invoiceScopeAt(t, '2031-05-01'), null))).toEqual(['2031-04-01', '2031-04-30', 16, 30]);
  });

  test('a termination closes the period at its day, inclusive', () => {
    const t = terms('2030-11-01T00:05:00Z');
    // Terminated Nov 20 at 15:00: Nov 1 … 20 = 20 days of 30.
    const at = ms('2030-11-20T15:00:00Z');
    expect(closedSpan(closedCommitmentPeriod(t, terminationScope(t, at, 'termination'), at))).toEqual(['2030-11-01', '2030-11-30', 20, 30]);
    // Started Nov 16, upgraded Nov 20: Nov 16 … 20 = 5 days (the upgrade day counts, as Lago's date_diff does).
    const late = terms('2030-11-16T08:00:00Z');
    const upgrade = ms('2030-11-20T10:00:00Z');
    expect(closedSpan(closedCommitmentPeriod(late, terminationScope(late, upgrade, 'upgrade'), upgrade))).toEqual(['2030-11-01', '2030-11-30', 5, 30]);
  });

  test('a yearly plan billed monthly closes its year only with the last month', () => {
    const t = terms('2031-01-01T10:00:00Z', { interval: 'yearly', payInAdvance: true, billChargesMonthly: true });
    // Feb 1 bills January's usage: the year is not over.
    expect(closedCommitmentPeriod(t, invoiceScopeAt(t, '2031-02-01'), null)).toBeNull();
    expect(closedCommitmentPeriod(t, invoiceScopeAt(t, '2031-12-01'), null)).toBeNull();
    // Jan 1, 2032 bills December's usage: 2031 closes, 365 of 365 days.
    expect(closedSpan(closedCommitmentPeriod(t, invoiceScopeAt(t, '2032-01-01'), null))).toEqual(['2031-01-01', '2031-12-31', 365, 365]);
  });

  test('an in-advance plan: the start closes nothing, the next period\'s invoice closes the one before', () => {
    const t = terms('2031-08-01T00:05:00Z', { payInAdvance: true });
    expect(closedCommitmentPeriod(t, startingInvoiceScope(t)!, null)).toBeNull();
    // Sep 1 bills September's base fee and August's usage: August closes (31 of 31 days).
    const scope = invoiceScopeAt(t, '2031-09-01');
    expect(scope.baseFee?.startDate).toBe('2031-09-01');
    expect(closedSpan(closedCommitmentPeriod(t, scope, null))).toEqual(['2031-08-01', '2031-08-31', 31, 31]);
  });

  test('the end of an in-advance trial is no close', () => {
    // Trial of 10 days from Aug 1: the base fee is billed on Aug 11, no period ends.
    const t = terms('2031-08-01T00:05:00Z', { payInAdvance: true, trialEndsAt: ms('2031-08-11T00:05:00Z') });
    expect(closedCommitmentPeriod(t, invoiceScopeAt(t, '2031-08-11'), null)).toBeNull();
  });
});

describe('the true-up', () => {
  const november = (coveredDays: number): CommitmentPeriod => ({ period: periodContaining({ interval: 'monthly', billingTime: 'calendar', anchorDate: '2030-11-01', timezone: 'UTC' }, '2030-11-15'), coveredDays });

  test('1,000.00 committed, 640.00 of fees: a 360.00 true-up', () => {
    // 400.00 base fee + 240.00 usage = 640.00; 1,000.00 − 640.00 = 360.00.
    expect(commitmentTrueUp(100000n, november(30), [fee(40000n), fee(24000n)])).toEqual({
      commitmentAmountCents: 100000n, feesAmountCents: 64000n, amountCents: 36000n, preciseAmountCents: new Dec(36000),
    });
  });

  test('a half first month: 1,000.00 × 15/30 = 500.00 committed', () => {
    // Base 200.00 × 15/30 = 100.00, usage 120.00: 500.00 − 220.00 = 280.00.
    expect(commitmentTrueUp(100000n, november(15), [fee(10000n), fee(12000n)])?.amountCents).toBe(28000n);
    expect(commitmentTrueUp(100000n, november(15), [fee(10000n), fee(12000n)])?.commitmentAmountCents).toBe(50000n);
  });

  test('met or exceeded: none', () => {
    expect(commitmentTrueUp(100000n, november(30), [fee(40000n), fee(60000n)])).toBeNull();
    expect(commitmentTrueUp(100000n, november(30), [fee(40000n), fee(70000n)])).toBeNull();
    // Half a month: 500.00 committed, 500.00 of fees.
    expect(commitmentTrueUp(100000n, november(15), [fee(50000n)])).toBeNull();
  });

  test('the prorated commitment is rounded once, half away from zero; the precise amount keeps the fees\' fractions', () => {
    // 1,000.01 × 15/30 = 500.005 → 500.01 (50001); 50001 − 20000 = 30001; precise 50001 − 19999.6 = 30001.4.
    expect(commitmentTrueUp(100001n, november(15), [fee(20000n, '19999.6')])).toEqual({
      commitmentAmountCents: 50001n, feesAmountCents: 20000n, amountCents: 30001n, preciseAmountCents: new Dec('30001.4'),
    });
    // 1,000.00 × 20/30 = 666.666… → 666.67; no fees: the whole of it.
    expect(commitmentTrueUp(100000n, november(20), [])?.amountCents).toBe(66667n);
  });

  test('a period without covered days commits nothing; nonsense is refused', () => {
    expect(commitmentTrueUp(100000n, november(0), [])).toBeNull();
    expect(() => commitmentTrueUp(-1n, november(30), [])).toThrow(RangeError);
    expect(() => commitmentTrueUp(100n, november(31), [])).toThrow(RangeError);
  });
});

describe('its taxes and its fee line', () => {
  const tax = (code: string, rate: number): TaxRate => ({ code, name: code, rate: new Dec(rate) });

  test('the commitment\'s own taxes, else the plan\'s, else the customer\'s', () => {
    expect(commitmentTaxes({ commitment: [tax('c', 20)], plan: [tax('p', 10)], customer: [tax('u', 5)] }).map((t) => t.code)).toEqual(['c']);
    expect(commitmentTaxes({ commitment: [], plan: [tax('p', 10)], customer: [tax('u', 5)] }).map((t) => t.code)).toEqual(['p']);
    expect(commitmentTaxes({ commitment: [], plan: [], customer: [tax('u', 5)] }).map((t) => t.code)).toEqual(['u']);
  });

  test('one unit of the true-up, named as the commitment or Lago\'s default, dated with the plan period', () => {
    const closed = { period: periodContaining({ interval: 'monthly', billingTime: 'calendar', anchorDate: '2030-11-01', timezone: 'UTC' }, '2030-11-15'), coveredDays: 30 };
    const trueUp = commitmentTrueUp(100000n, closed, [fee(64000n)])!;
    const line = commitmentFeeLine({ code: 'committed', name: 'Committed' }, { amountCents: 100000n, invoiceDisplayName: null }, closed, trueUp, 'EUR', [tax('c', 20)]);
    expect(line).toMatchObject({
      key: 'commitment', kind: 'commitment', chargeId: null, itemCode: 'committed', itemName: 'Committed', invoiceDisplayName: DEFAULT_COMMITMENT_NAME,
      amountCents: 36000n, unitAmountCents: 36000n, eventsCount: 0, payInAdvance: false,
      fromMs: ms('2030-11-01T00:00:00.000Z'), toMs: ms('2030-11-30T23:59:59.999Z'),
    });
    // 36000 cents of EUR = 360 per unit, one unit.
    expect([line.units.toFixed(), line.preciseUnitAmount.toFixed()]).toEqual(['1', '360']);
    expect(line.taxes.map((t) => t.code)).toEqual(['c']);
    expect(commitmentFeeLine({ code: 'c', name: 'C' }, { amountCents: 1n, invoiceDisplayName: 'Top-up' }, closed, trueUp, 'EUR', []).invoiceDisplayName).toBe('Top-up');
  });
});
