/**
 * Fixed charges (issue 16 point 5), rules in src/billing/fixed-charges.ts, numbers worked by hand.
 * November 2026 has 30 days; December 2026 has 31.
 */
import {
  fixedChargeFeeLine, fixedChargesScopeAt, inAdvanceIncrease, priceFixedCharge, startingFixedChargesScope, terminationFixedChargesScope,
  unitsOn, unitsOverWindow, type UnitsEntry,
} from '../../src/billing/fixed-charges';
import { assertNoDoubleFixedCharges, InvoiceInvariantViolation } from '../../src/billing/invoice-invariants';
import { isBillingDate, nextBillingDate, periodContaining, type SubscriptionTerms } from '../../src/billing/periods';
import { Dec } from '../../src/billing/money';
import { parseChargeProperties } from '../../src/billing/charge-models';

const ms = (iso: string) => Date.parse(iso);
const d = (value: string | number) => new Dec(value);
const entry = (units: number, iso: string, seq: number): UnitsEntry => ({ units: d(units), effectiveAtMs: ms(iso), seq });

const monthly = (overrides: Partial<SubscriptionTerms> = {}): SubscriptionTerms => ({
  schedule: { interval: 'monthly', billingTime: 'calendar', anchorDate: '2026-11-01', timezone: 'UTC' },
  startedAt: ms('2026-11-01T00:00:00Z'),
  payInAdvance: false,
  billChargesMonthly: false,
  trialEndsAt: null,
  endingAt: null,
  ...overrides,
});

const november = periodContaining(monthly().schedule, '2026-11-10');
const novemberWindow = { period: november, startDate: '2026-11-01', endDate: '2026-11-30' };

describe('units in force', () => {
  it('takes the latest recorded entry effective on or before the day', () => {
    const history = [entry(10, '2026-11-01T00:00:00Z', 1), entry(15, '2026-11-16T09:30:00Z', 2)];
    expect(unitsOn(history, '2026-11-15', 'UTC').toFixed()).toBe('10');
    expect(unitsOn(history, '2026-11-16', 'UTC').toFixed()).toBe('15'); // effective during the 16th: the whole day at 15
    expect(unitsOn(history, '2026-10-31', 'UTC').toFixed()).toBe('0'); // before any entry
  });

  it('lets a later entry with an earlier day supersede an earlier one scheduled later (Lago ignores that event)', () => {
    // Recorded first: 15 from December 1st (deferred); recorded second: 12 from November 20th (at once).
    const history = [entry(10, '2026-11-01T00:00:00Z', 1), entry(15, '2026-12-01T00:00:00Z', 2), entry(12, '2026-11-20T00:00:00Z', 3)];
    expect(unitsOn(history, '2026-11-25', 'UTC').toFixed()).toBe('12');
    expect(unitsOn(history, '2026-12-02', 'UTC').toFixed()).toBe('12'); // seq 3 > seq 2
  });

  it('reads the day in the customer’s timezone', () => {
    // 2026-11-15T23:30Z is the 15th in UTC but already the 16th in Tokyo (UTC+9): the 15th is at 15 seats in UTC, at 10 in Tokyo.
    const history = [entry(10, '2026-11-01T00:00:00Z', 1), entry(15, '2026-11-15T23:30:00Z', 2)];
    expect(unitsOn(history, '2026-11-15', 'UTC').toFixed()).toBe('15');
    expect(unitsOn(history, '2026-11-15', 'Asia/Tokyo').toFixed()).toBe('10');
    expect(unitsOn(history, '2026-11-16', 'Asia/Tokyo').toFixed()).toBe('15');
  });
});

describe('10 seats raised to 15 on day 16 of a 30-day month', () => {
  const history = [entry(10, '2026-10-20T00:00:00Z', -1), entry(15, '2026-11-16T10:00:00Z', 1)];

  it('prorated by day: 10 × 15/30 + 15 × 15/30 = 5 + 7.5 = 12.5 units, at 10.00 = 125.00', () => {
    const units = unitsOverWindow(history, novemberWindow, 'UTC', true);
    expect(units.units.toFixed()).toBe('12.5');
    expect(units.fullUnits.toFixed()).toBe('15');
    expect(units.stretches).toEqual([
      { fromDate: '2026-11-01', toDate: '2026-11-15', units: '10', days: 15 },
      { fromDate: '2026-11-16', toDate: '2026-11-30', units: '15', days: 15 },
    ]);
    const price = priceFixedCharge('standard', { amount: d('10') }, units.units, units.fullUnits, 'EUR');
    expect(price.amountCents).toBe(12_500n); // 12.5 × 10.00 = 125.00
  });

  it('not prorated: the last day’s 15 units in full, 15 × 10.00 = 150.00', () => {
    const units = unitsOverWindow(history, novemberWindow, 'UTC', false);
    expect(units.units.toFixed()).toBe('15');
    expect(priceFixedCharge('standard', { amount: d('10') }, units.units, units.fullUnits, 'EUR').amountCents).toBe(15_000n);
  });

  it('prorated over a partial first period: 10 seats from November 21st, 10 × 10/30 = 3.333… units → 33.33', () => {
    const units = unitsOverWindow([entry(10, '2026-11-21T00:00:00Z', -1)], { ...novemberWindow, startDate: '2026-11-21' }, 'UTC', true);
    expect(units.units.toFixed(10)).toBe('3.3333333333'); // 10 units × 10 days / 30
    expect(priceFixedCharge('standard', { amount: d('10') }, units.units, units.fullUnits, 'EUR').amountCents).toBe(3_333n); // 33.333… rounded once
  });
});

describe('pricing by the fixed charge models', () => {
  it('graduated: 0–10 at 5.00 plus 2.00 flat, then 4.00 above; 15 seats = 2 + 10 × 5 + 5 × 4 = 72.00', () => {
    const properties = parseChargeProperties('graduated', { graduated_ranges: [
      { from_value: 0, to_value: 10, per_unit_amount: '5', flat_amount: '2' },
      { from_value: 11, to_value: null, per_unit_amount: '4', flat_amount: '0' },
    ] });
    expect(priceFixedCharge('graduated', properties, d(15), d(15), 'EUR').amountCents).toBe(7_200n);
  });

  it('volume: 15 seats fall in the 11+ tier at 4.00 → 15 × 4 = 60.00', () => {
    const properties = parseChargeProperties('volume', { volume_ranges: [
      { from_value: 0, to_value: 10, per_unit_amount: '5', flat_amount: '0' },
      { from_value: 11, to_value: null, per_unit_amount: '4', flat_amount: '0' },
    ] });
    expect(priceFixedCharge('volume', properties, d(15), d(15), 'EUR').amountCents).toBe(6_000n);
  });
});

describe('an in-advance increase billed at once', () => {
  it('10 → 15 on November 16th, prorated: 5 × 15/30 = 2.5 units → 25.00', () => {
    const increase = inAdvanceIncrease({ newUnits: d(15), billedUnits: d(10), changeDay: '2026-11-16', period: november, prorated: true });
    expect(increase.deltaUnits.toFixed()).toBe('5');
    expect(increase.days).toBe(15); // 16th to 30th inclusive
    expect(increase.pricedUnits.toFixed()).toBe('2.5');
    expect(priceFixedCharge('standard', { amount: d('10') }, increase.pricedUnits, increase.deltaUnits, 'EUR').amountCents).toBe(2_500n);
  });

  it('not prorated: the 5 new units in full → 50.00', () => {
    const increase = inAdvanceIncrease({ newUnits: d(15), billedUnits: d(10), changeDay: '2026-11-16', period: november, prorated: false });
    expect(increase.pricedUnits.toFixed()).toBe('5');
  });

  it('a decrease, or units already billed, bills nothing', () => {
    expect(inAdvanceIncrease({ newUnits: d(8), billedUnits: d(10), changeDay: '2026-11-16', period: november, prorated: true }).deltaUnits.toFixed()).toBe('0');
    // 10 billed at the start, +5 billed on the 16th: back up to 15 later bills 15 − 15 = 0; to 16 bills 1.
    expect(inAdvanceIncrease({ newUnits: d(15), billedUnits: d(15), changeDay: '2026-11-20', period: november, prorated: true }).deltaUnits.toFixed()).toBe('0');
    expect(inAdvanceIncrease({ newUnits: d(16), billedUnits: d(15), changeDay: '2026-11-20', period: november, prorated: true }).pricedUnits.toFixed())
      .toBe(d(11).dividedBy(30).toFixed()); // 1 × 11/30 (20th to 30th)
  });
});

describe('what each invoice bills of fixed charges', () => {
  it('a monthly plan: December 1st closes November in arrears and opens December in advance', () => {
    const scope = fixedChargesScopeAt(monthly(), '2026-12-01');
    expect(scope.arrears).toMatchObject({ startDate: '2026-11-01', endDate: '2026-11-30', fromMs: ms('2026-11-01T00:00:00Z') });
    expect(scope.arrears!.period.fullDays).toBe(30);
    expect(scope.advance).toMatchObject({ startDate: '2026-12-01', endDate: '2026-12-31' });
    expect(scope.advance!.period.fullDays).toBe(31);
  });

  it('the first invoice opens the started period in advance from the start day', () => {
    const scope = startingFixedChargesScope(monthly({ startedAt: ms('2026-11-21T08:00:00Z') }));
    expect(scope.arrears).toBeNull();
    expect(scope.advance).toMatchObject({ startDate: '2026-11-21', endDate: '2026-11-30', fromMs: ms('2026-11-21T08:00:00Z') });
  });

  it('a termination on November 20th bills the arrears days up to the 20th; an upgrade up to the 19th', () => {
    const at = ms('2026-11-20T12:00:00Z');
    expect(terminationFixedChargesScope(monthly(), at, 'termination').arrears).toMatchObject({ startDate: '2026-11-01', endDate: '2026-11-20', toMs: at });
    expect(terminationFixedChargesScope(monthly(), at, 'upgrade').arrears).toMatchObject({ endDate: '2026-11-19' });
    expect(terminationFixedChargesScope(monthly(), at, 'termination').advance).toBeNull();
  });

  it('a yearly plan bills fixed charges once a year, or monthly with bill_fixed_charges_monthly', () => {
    const yearly = monthly({ schedule: { interval: 'yearly', billingTime: 'calendar', anchorDate: '2026-11-01', timezone: 'UTC' } });
    expect(fixedChargesScopeAt(yearly, '2026-12-01')).toEqual({ arrears: null, advance: null });
    expect(isBillingDate(yearly, '2026-12-01')).toBe(false);
    expect(nextBillingDate(yearly, '2026-11-01')).toBe('2027-01-01'); // calendar yearly: next January 1st

    const monthlyFixed = { ...yearly, billFixedChargesMonthly: true };
    expect(isBillingDate(monthlyFixed, '2026-12-01')).toBe(true);
    expect(nextBillingDate(monthlyFixed, '2026-11-01')).toBe('2026-12-01');
    expect(nextBillingDate(monthlyFixed, '2026-12-01')).toBe('2027-01-01');
    const scope = fixedChargesScopeAt(monthlyFixed, '2026-12-01');
    expect(scope.arrears).toMatchObject({ startDate: '2026-11-01', endDate: '2026-11-30' }); // November, D = 30
    expect(scope.advance).toMatchObject({ startDate: '2026-12-01', endDate: '2026-12-31' });
  });

  it('terms recorded before fixed charges (no billFixedChargesMonthly) keep their dates', () => {
    const yearly = monthly({ schedule: { interval: 'yearly', billingTime: 'calendar', anchorDate: '2026-11-01', timezone: 'UTC' } });
    expect(nextBillingDate({ ...yearly, billFixedChargesMonthly: false }, '2026-11-01')).toBe(nextBillingDate(yearly, '2026-11-01'));
    // A monthly flag means nothing on a monthly plan.
    expect(nextBillingDate(monthly({ billFixedChargesMonthly: true }), '2026-11-01')).toBe('2026-12-01');
  });
});

describe('the fee line', () => {
  it('is a fixed_charge fee naming its fixed charge, at 125.00 for 12.5 units of 10.00', () => {
    const price = priceFixedCharge('standard', { amount: d('10') }, d('12.5'), d(15), 'EUR');
    const line = fixedChargeFeeLine({
      fixedChargeId: 'fc-1', addOnId: 'ao-1', code: 'seats', name: 'Seats', invoiceDisplayName: null, payInAdvance: false,
      units: d('12.5'), pricedUnits: d('12.5'), price, details: {}, fromMs: 0, toMs: 1, keySuffix: 'arrears',
    }, 'EUR', []);
    expect(line).toMatchObject({ kind: 'fixed_charge', fixedChargeId: 'fc-1', chargeId: null, amountCents: 12_500n, unitAmountCents: 1_000n, key: 'fixed_charge:fc-1:arrears' });
    expect(line.preciseUnitAmount.toFixed()).toBe('10'); // 125.00 / 12.5
  });
});

describe('the double-billing invariant for fixed charges', () => {
  const stretch = (fixedChargeId: string | null, from: string, to: string, payInAdvance = false) =>
    ({ subscriptionId: 's', fixedChargeId, payInAdvance, fromMs: ms(from), toMs: ms(to) });

  it('refuses a period billed twice for the same fixed charge and timing', () => {
    expect(() => assertNoDoubleFixedCharges([stretch('fc', '2026-11-10T00:00:00Z', '2026-11-30T23:59:59Z')], [stretch('fc', '2026-11-01T00:00:00Z', '2026-11-30T23:59:59Z')]))
      .toThrow(InvoiceInvariantViolation);
  });

  it('accepts another fixed charge, the other timing, or the next period', () => {
    const billed = [stretch('fc', '2026-11-01T00:00:00Z', '2026-11-30T23:59:59Z')];
    expect(() => assertNoDoubleFixedCharges([stretch('other', '2026-11-01T00:00:00Z', '2026-11-30T23:59:59Z')], billed)).not.toThrow();
    expect(() => assertNoDoubleFixedCharges([stretch('fc', '2026-11-01T00:00:00Z', '2026-11-30T23:59:59Z', true)], billed)).not.toThrow();
    expect(() => assertNoDoubleFixedCharges([stretch('fc', '2026-12-01T00:00:00Z', '2026-12-31T23:59:59Z')], billed)).not.toThrow();
  });

  it('refuses a fixed-charge fee that names no fixed charge', () => {
    expect(() => assertNoDoubleFixedCharges([stretch(null, '2026-11-01T00:00:00Z', '2026-11-30T23:59:59Z')], [])).toThrow(/names no fixed charge/);
  });
});
