/** Base-fee proration and unused-days credits, against hand-worked amounts (reference §5.2–5.3, §11). */
import { Dec } from '../../src/billing/money';
import { ProrationError, proratedBaseFee, unusedDaysCredit, type UnusedDaysCreditInput } from '../../src/billing/proration';

describe('proratedBaseFee', () => {
  it.each<[bigint, number, number, bigint, string, string]>([
    [100n, 17, 31, 55n, '54.8387…', 'vector 14: Mar 15 … 31'],
    [100n, 14, 31, 45n, '45.1612…', 'vector 14: 3-day trial'],
    [100n, 28, 31, 90n, '90.3225…', 'vector 14: whole March, 3-day trial'],
    [100n, 292, 365, 80n, '80', 'vector 15: yearly from Mar 15 (292/365 = 0.8 exactly)'],
    [100n, 5, 7, 71n, '71.4285…', 'vector 15: weekly from Wednesday'],
    [100n, 2, 7, 29n, '28.5714…', 'vector 15: weekly, 3-day trial'],
    [100n, 4, 7, 57n, '57.1428…', 'vector 15: weekly from Monday, 3-day trial'],
    [3000n, 16, 30, 1600n, '1600', 'vector 16 arithmetic: 16 × 3000/30'],
    [91000n, 32, 91, 32000n, '32000', 'vector 17: 32 × 1000'],
    [12000n, 275, 366, 9016n, '9016.3934…', 'vector 18: 275 × 12000/366'],
    [100n, 20, 31, 65n, '64.5161…', 'vector 18: upgrade, 20/31'],
    [1n, 15, 30, 1n, '0.5', 'exact half rounds away from zero'],
    [3n, 1, 2, 2n, '1.5', 'exact half rounds away from zero'],
    [12000n, 31, 31, 12000n, '12000', 'whole period'],
    [12000n, 0, 31, 0n, '0', 'no day billed'],
  ])('%s × %i/%i = %s (%s: %s)', (amount, days, fullDays, expected, precise) => {
    const result = proratedBaseFee(amount, days, fullDays);
    expect(result.amountCents).toBe(expected);
    expect(result.preciseAmountCents.toDecimalPlaces(4, Dec.ROUND_DOWN).toString()).toBe(precise.replace('…', ''));
  });

  it('keeps the precise amount exact', () => {
    // 100 × 17 / 31 = 1700/31 = 54.838709677419354838709677419354838709677419354839 (50 digits)
    expect(proratedBaseFee(100n, 17, 31).preciseAmountCents.times(31).toFixed(30)).toBe('1700.' + '0'.repeat(30));
    // Amounts beyond 2^53 stay exact: (2^60 + 1) × 1/1.
    expect(proratedBaseFee(2n ** 60n + 1n, 1, 1).amountCents).toBe(2n ** 60n + 1n);
  });

  it.each<[unknown, unknown, unknown]>([
    [-1n, 1, 31],
    [100, 1, 31],
    [100n, -1, 31],
    [100n, 32, 31],
    [100n, 1.5, 31],
    [100n, 0, 0],
    [100n, 0, Number.NaN],
  ])('rejects amount %p, days %p, D %p', (amount, days, fullDays) => {
    expect(() => proratedBaseFee(amount as bigint, days as number, fullDays as number)).toThrow(ProrationError);
  });
});

describe('unusedDaysCredit', () => {
  const monthly: UnusedDaysCreditInput = {
    planAmountCents: 3100n,
    fullDays: 31,
    billedToDate: '2027-03-31',
    terminationDate: '2027-03-21',
    reason: 'termination',
    creditableCents: 3100n,
  };

  it.each<[Partial<UnusedDaysCreditInput>, number, bigint, string]>([
    [{}, 10, 1000n, 'terminated Mar 21: Mar 22 … 31 unused, 10 × 100'],
    [{ reason: 'upgrade' }, 11, 1100n, 'upgraded Mar 21: Mar 21 … 31 unused (§5.3), 11 × 100'],
    [{ terminationDate: '2027-03-31' }, 0, 0n, 'terminated on the last day'],
    [{ terminationDate: '2027-03-31', reason: 'upgrade' }, 1, 100n, 'upgraded on the last day'],
    [{ terminationDate: '2027-03-01', reason: 'upgrade' }, 31, 3100n, 'upgraded on the first day'],
    [{ terminationDate: '2027-04-02' }, 0, 0n, 'after the billed span: nothing'],
    [{ terminationDate: '2027-02-20', reason: 'upgrade' }, 31, 3100n, 'never more than D days'],
    [{ creditableCents: 700n }, 10, 700n, 'capped at the creditable amount'],
    [{ creditableCents: 0n }, 10, 0n, 'fully credited already'],
    [{ planAmountCents: 1000n, terminationDate: '2027-03-29', reason: 'upgrade', creditableCents: 1000n }, 3, 97n, '3 × 1000/31 = 96.77'],
  ])('%p → %i days, %s cents (%s)', (override, days, cents) => {
    const credit = unusedDaysCredit({ ...monthly, ...override });
    expect([credit.unusedDays, credit.amountCents]).toEqual([days, cents]);
  });

  it('vector 18: 1 day × 1000/31 = 32.26 → 32', () => {
    const credit = unusedDaysCredit({
      planAmountCents: 1000n, fullDays: 31, billedToDate: '2023-09-28', terminationDate: '2023-09-28', reason: 'upgrade', creditableCents: 1000n,
    });
    expect(credit.amountCents).toBe(32n);
    expect(credit.preciseAmountCents.toFixed(2)).toBe('32.26');
  });

  it('reports the capped amount as the precise amount', () => {
    expect(unusedDaysCredit({ ...monthly, creditableCents: 700n }).preciseAmountCents.toFixed()).toBe('700');
  });

  it.each<[Partial<UnusedDaysCreditInput>]>([
    [{ planAmountCents: -1n }],
    [{ creditableCents: 5 as unknown as bigint }],
    [{ fullDays: 0 }],
    [{ billedToDate: '2027-02-30' }],
    [{ terminationDate: 20270321 as unknown as string }],
    [{ reason: 'downgrade' as 'upgrade' }],
  ])('rejects %p', (override) => {
    expect(() => unusedDaysCredit({ ...monthly, ...override })).toThrow(ProrationError);
  });
});
