/**
 * Charges' spending minimums (src/billing/spending-minimums.ts), hand-worked: the minimum prorated
 * to the window's days, the true-up for what the charge's fees miss, and its fee line linked to its
 * parent.
 */
import { spendingMinimumTrueUp, trueUpFeeLine, windowDays } from '../../src/billing/spending-minimums';
import { chargeFeeLine, subscriptionFeeLine } from '../../src/billing/fee-lines';
import { Dec } from '../../src/billing/money';

const ms = (iso: string): number => Date.parse(iso);
const fee = (cents: bigint, precise: string = cents.toString()) => ({ amountCents: cents, preciseAmountCents: new Dec(precise) });

describe('the days of a charges window', () => {
  test('a whole month, a first half-month, a termination', () => {
    // June: 30 days.
    expect(windowDays({ fromMs: ms('2031-06-01T00:05:00Z'), toMs: ms('2031-06-30T23:59:59.999Z'), period: { fullDays: 30 } }, 'UTC')).toEqual({ billedDays: 30, fullDays: 30 });
    // Started June 16 at 10:00: June 16 … 30 = 15 days.
    expect(windowDays({ fromMs: ms('2031-06-16T10:00:00Z'), toMs: ms('2031-06-30T23:59:59.999Z'), period: { fullDays: 30 } }, 'UTC')).toEqual({ billedDays: 15, fullDays: 30 });
    // Terminated June 20 at 15:00: June 1 … 20 = 20 days.
    expect(windowDays({ fromMs: ms('2031-06-01T00:00:00Z'), toMs: ms('2031-06-20T15:00:00Z'), period: { fullDays: 30 } }, 'UTC')).toEqual({ billedDays: 20, fullDays: 30 });
    // In New York (UTC−4 in June): 2031-06-16T03:00Z is June 15, 23:00 local: June 15 … 30 = 16 days.
    expect(windowDays({ fromMs: ms('2031-06-16T03:00:00Z'), toMs: ms('2031-07-01T03:59:59.999Z'), period: { fullDays: 30 } }, 'America/New_York')).toEqual({ billedDays: 16, fullDays: 30 });
  });
});

describe('the true-up', () => {
  test('a whole month: 100.00 minimum, 40.00 used → 60.00', () => {
    expect(spendingMinimumTrueUp(10000n, { billedDays: 30, fullDays: 30 }, [fee(4000n)])).toEqual({
      proratedMinimumCents: new Dec(10000), usedAmountCents: 4000n, amountCents: 6000n, preciseAmountCents: new Dec(6000),
    });
  });

  test('every fee of the charge counts (filters, groups): 100.00 minimum, 25.00 + 35.00 used → 40.00', () => {
    expect(spendingMinimumTrueUp(10000n, { billedDays: 30, fullDays: 30 }, [fee(2500n), fee(3500n), fee(0n)])?.amountCents).toBe(4000n);
  });

  test('a first half-month: 100.00 × 15/30 = 50.00, 30.00 used → 20.00; nothing used → 50.00', () => {
    expect(spendingMinimumTrueUp(10000n, { billedDays: 15, fullDays: 30 }, [fee(3000n)])?.amountCents).toBe(2000n);
    expect(spendingMinimumTrueUp(10000n, { billedDays: 15, fullDays: 30 }, [])?.amountCents).toBe(5000n);
  });

  test('rounded once, half away from zero, after the difference; the precise amount is exact', () => {
    // 10.00 × 10/31 = 322.580645… cents; 322.580645… − 100 = 222.580645… → 223.
    const trueUp = spendingMinimumTrueUp(1000n, { billedDays: 10, fullDays: 31 }, [fee(100n, '99.75')])!;
    expect(trueUp.amountCents).toBe(223n);
    // 10000/31 − 99.75 = 322.5806451612903… − 99.75 = 222.8306451612903…
    expect(trueUp.preciseAmountCents.toDecimalPlaces(6).toFixed()).toBe('222.830645');
    // 10.00 × 10/30 = 333.33… cents with 333 used: 0.33… rounds to 0, nothing to bill.
    expect(spendingMinimumTrueUp(1000n, { billedDays: 10, fullDays: 30 }, [fee(333n)])).toBeNull();
    // … with 332 used: 1.33… → 1.
    expect(spendingMinimumTrueUp(1000n, { billedDays: 10, fullDays: 30 }, [fee(332n)])?.amountCents).toBe(1n);
  });

  test('reached, exceeded, or no minimum: none', () => {
    expect(spendingMinimumTrueUp(10000n, { billedDays: 30, fullDays: 30 }, [fee(10000n)])).toBeNull();
    expect(spendingMinimumTrueUp(10000n, { billedDays: 30, fullDays: 30 }, [fee(12000n)])).toBeNull();
    // Half a month: 50.00 minimum, 50.00 used.
    expect(spendingMinimumTrueUp(10000n, { billedDays: 15, fullDays: 30 }, [fee(5000n)])).toBeNull();
    expect(spendingMinimumTrueUp(0n, { billedDays: 30, fullDays: 30 }, [])).toBeNull();
  });

  test('nonsense is refused', () => {
    expect(() => spendingMinimumTrueUp(-1n, { billedDays: 30, fullDays: 30 }, [])).toThrow(RangeError);
    expect(() => spendingMinimumTrueUp(100n, { billedDays: 31, fullDays: 30 }, [])).toThrow(RangeError);
    expect(() => spendingMinimumTrueUp(100n, { billedDays: 1, fullDays: 0 }, [])).toThrow(RangeError);
  });
});

describe('the true-up fee line', () => {
  const window = { fromMs: ms('2031-06-16T10:00:00Z'), toMs: ms('2031-06-30T23:59:59.999Z') };
  const parent = chargeFeeLine({
    chargeId: 'ch-1', filterId: null, code: 'storage', name: 'Storage', invoiceDisplayName: 'Storage (GB)',
    units: new Dec(15), pricedUnits: new Dec(15), eventsCount: 3, amountCents: 3000n, preciseAmountCents: new Dec(3000), unitAmount: new Dec(2),
    details: { kind: 'standard' }, seats: null, ...window, groupedBy: { region: 'eu' },
  }, 'USD', [{ code: 'vat', name: 'VAT', rate: new Dec(10) }]);

  test('copies its parent (charge, names, dates, taxes): one unit of the true-up, no events, no filter or group, linked by key', () => {
    const days = { billedDays: 15, fullDays: 30 };
    const trueUp = spendingMinimumTrueUp(10000n, days, [fee(3000n)])!;
    const line = trueUpFeeLine(parent, trueUp, 10000n, days, 'USD');
    // 100.00 × 15/30 − 30.00 = 20.00.
    expect(line).toMatchObject({
      key: 'charge:ch-1:true_up', trueUpOf: parent.key, kind: 'charge', chargeId: 'ch-1', itemCode: 'storage', itemName: 'Storage', invoiceDisplayName: 'Storage (GB)',
      amountCents: 2000n, unitAmountCents: 2000n, eventsCount: 0, fromMs: window.fromMs, toMs: window.toMs, payInAdvance: false,
      chargeFilter: null, groupedBy: null, presentationBreakdowns: [],
      amountDetails: { min_amount_cents: '10000', billed_days: 15, full_days: 30, used_amount_cents: '3000' },
    });
    expect([line.units.toFixed(), line.totalAggregatedUnits.toFixed(), line.preciseUnitAmount.toFixed()]).toEqual(['1', '1', '20']);
    expect(line.taxes).toBe(parent.taxes);
  });

  test('only tops up a charge fee', () => {
    const base = subscriptionFeeLine({ code: 'p', name: 'P', invoiceDisplayName: null, amountCents: 100n, payInAdvance: false },
      { period: { startDate: '2031-06-01', endDate: '2031-06-30', fromMs: 0, toMs: 1, fullDays: 30 }, startDate: '2031-06-01', endDate: '2031-06-30', fromMs: 0, toMs: 1, billedDays: 30, fullDays: 30 }, 'USD', []);
    const trueUp = spendingMinimumTrueUp(10000n, { billedDays: 30, fullDays: 30 }, [])!;
    expect(() => trueUpFeeLine(base, trueUp, 10000n, { billedDays: 30, fullDays: 30 }, 'USD')).toThrow(RangeError);
  });
});
