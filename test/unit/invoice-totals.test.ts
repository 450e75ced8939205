import fc from 'fast-check';
import {
  applyCoupons, couponAmountCents, isEligible, orderCoupons, roundPartsToTarget, splitProRata,
  type AppliedCouponInput,
} from '../../src/billing/coupons';
import { computeInvoiceTotals, InvoiceInvariantError, type FeeInput, type InvoiceTotalsInput } from '../../src/billing/invoice-totals';
import { Dec } from '../../src/billing/money';

const VAT = new Dec('12.5');

function fee(id: string, amountCents: bigint, over: Partial<FeeInput> = {}): FeeInput {
  return { id, amountCents, kind: 'charge', taxRates: [], ...over };
}

function totals(over: Partial<InvoiceTotalsInput>) {
  return computeInvoiceTotals({ currency: 'USD', fees: [], coupons: [], prepaidCreditCents: 0n, ...over });
}

let created = 0;
function coupon(over: Partial<AppliedCouponInput> & Pick<AppliedCouponInput, 'couponType'>): AppliedCouponInput {
  created += 1;
  return { id: `c${created}`, frequency: 'forever', createdAtMs: created, ...over };
}
const fixed = (amountCents: bigint, over: Partial<AppliedCouponInput> = {}) => coupon({ couponType: 'fixed_amount', amountCents, ...over });
const percent = (rate: string, over: Partial<AppliedCouponInput> = {}) =>
  coupon({ couponType: 'percentage', percentageRate: new Dec(rate), ...over });

describe('invoice totals: the walkthroughs', () => {
  it('hybrid invoice 1: subscription fee 12000 + 12.5 % tax = 13500, pending', () => {
    const t = totals({ fees: [fee('sub', 12000n, { kind: 'subscription', taxRates: [VAT] })] });
    // 12000 × 12.5/100 = 1500
    expect(t.feesAmountCents).toBe(12000n);
    expect(t.taxesAmountCents).toBe(1500n);
    expect(t.subTotalIncludingTaxesAmountCents).toBe(13500n);
    expect(t.totalAmountCents).toBe(13500n);
    expect(t.paymentStatus).toBe('pending');
    expect(t.appliedTaxes).toEqual([
      expect.objectContaining({ key: 'rate:12.5', taxCode: null, baseAmountCents: 12000n, amountCents: 1500n }),
    ]);
  });

  it('hybrid invoice 2: a 0-amount mtu charge changes nothing: 13500', () => {
    const t = totals({
      fees: [fee('sub', 12000n, { kind: 'subscription', taxRates: [VAT] }), fee('mtu', 0n, { taxRates: [VAT] })],
    });
    expect(t.totalAmountCents).toBe(13500n);
    expect(t.fees.map((f) => f.taxesAmountCents)).toEqual([1500n, 0n]);
  });

  it('hybrid invoice 3: 12000 + 23000 = 35000, tax 1500 + 2875 = 4375, total 39375', () => {
    const vat = { code: 'vat_12_5', rate: VAT };
    const t = totals({
      fees: [fee('sub', 12000n, { kind: 'subscription', taxRates: [vat] }), fee('mtu', 23000n, { taxRates: [vat] })],
    });
    // 23000 × 12.5 % = 2875
    expect(t.feesAmountCents).toBe(35000n);
    expect(t.fees.map((f) => f.taxesAmountCents)).toEqual([1500n, 2875n]);
    expect(t.taxesAmountCents).toBe(4375n);
    expect(t.totalAmountCents).toBe(39375n);
    expect(t.appliedTaxes).toEqual([expect.objectContaining({ key: 'vat_12_5', taxCode: 'vat_12_5', baseAmountCents: 35000n, amountCents: 4375n })]);
  });

  it('fair seats invoice 1: one 1677 fee, no tax → total 1677', () => {
    const t = totals({ currency: 'EUR', fees: [fee('seats', 1677n)] });
    expect(t.totalAmountCents).toBe(1677n);
    expect(t.taxesAmountCents).toBe(0n);
    expect(t.appliedTaxes).toEqual([]);
  });
});

describe('coupons', () => {
  it('percentage: round(base × rate / 100), spread pro rata, then taxed on what is left', () => {
    const vat = [VAT];
    const t = totals({
      fees: [fee('sub', 12000n, { kind: 'subscription', taxRates: vat }), fee('mtu', 23000n, { taxRates: vat })],
      coupons: [percent('10')],
    });
    // 10 % of 35000 = 3500 → sub 3500 × 12000/35000 = 1200, mtu 2300
    expect(t.couponsAmountCents).toBe(3500n);
    expect(t.coupons[0]!.feeShares).toEqual([
      { feeId: 'sub', amountCents: 1200n },
      { feeId: 'mtu', amountCents: 2300n },
    ]);
    expect(t.subTotalExcludingTaxesAmountCents).toBe(31500n);
    // taxes (12000 − 1200) × 12.5 % = 1350 and (23000 − 2300) × 12.5 % = 2587.5 → 3937.5 → 3938 once
    expect(t.taxesPreciseAmountCents.toString()).toBe('3937.5');
    expect(t.taxesAmountCents).toBe(3938n);
    // the half cent goes to the fee with the fraction: 1350 + 2588
    expect(t.fees.map((f) => f.taxesAmountCents)).toEqual([1350n, 2588n]);
    expect(t.totalAmountCents).toBe(31500n + 3938n);
    // forever coupons are never used up
    expect(t.coupons[0]).toMatchObject({ frequency: 'forever', terminated: false, frequencyDurationRemaining: null });
  });

  it.each([
    // rate, base → amount
    ['33.333', 1000n, 333n], // 333.33 → 333
    ['12.5', 1004n, 126n], // 125.5 → 126 (half away from zero)
    ['150', 1000n, 1000n], // capped at the base
    ['0', 1000n, 0n],
  ])('percentage %s %% of %s → %s', (rate, base, amount) => {
    expect(couponAmountCents(percent(rate), base)).toBe(amount);
  });

  it('fixed recurring: min(amount, base) each invoice, one period less', () => {
    const t = totals({ fees: [fee('a', 10000n)], coupons: [fixed(3000n, { frequency: 'recurring', frequencyDurationRemaining: 3 })] });
    expect(t.couponsAmountCents).toBe(3000n);
    expect(t.coupons[0]).toMatchObject({ amountCents: 3000n, frequencyDurationRemaining: 2, terminated: false });
    // last period: used up
    const last = totals({ fees: [fee('a', 1000n)], coupons: [fixed(3000n, { frequency: 'recurring', frequencyDurationRemaining: 1 })] });
    expect(last.coupons[0]).toMatchObject({ amountCents: 1000n, frequencyDurationRemaining: 0, terminated: true });
    // already at 0 periods: skipped
    const over = totals({ fees: [fee('a', 1000n)], coupons: [fixed(3000n, { frequency: 'recurring', frequencyDurationRemaining: 0 })] });
    expect(over.coupons).toEqual([]);
    // recurring without a tracked duration behaves like forever
    const untracked = totals({ fees: [fee('a', 1000n)], coupons: [fixed(300n, { frequency: 'recurring' })] });
    expect(untracked.coupons[0]).toMatchObject({ amountCents: 300n, frequencyDurationRemaining: null, terminated: false });
  });

  it('fixed once: draws down amount_cents_remaining across invoices', () => {
    // 5000 coupon on a 3000 invoice: 3000 used, 2000 left
    const first = totals({ fees: [fee('a', 3000n)], coupons: [fixed(5000n, { frequency: 'once' })] });
    expect(first.coupons[0]).toMatchObject({ amountCents: 3000n, amountCentsRemaining: 2000n, terminated: false });
    expect(first.totalAmountCents).toBe(0n);
    expect(first.paymentStatus).toBe('succeeded');
    // next invoice 4500: the remaining 2000, then used up
    const second = totals({ fees: [fee('a', 4500n)], coupons: [fixed(5000n, { frequency: 'once', amountCentsRemaining: 2000n })] });
    expect(second.coupons[0]).toMatchObject({ amountCents: 2000n, amountCentsRemaining: 0n, terminated: true });
    expect(second.totalAmountCents).toBe(2500n);
    // exhausted: skipped
    const third = totals({ fees: [fee('a', 4500n)], coupons: [fixed(5000n, { frequency: 'once', amountCentsRemaining: 0n })] });
    expect(third.coupons).toEqual([]);
  });

  it('percentage once: applied on one invoice, then terminated', () => {
    const t = totals({ fees: [fee('a', 999n)], coupons: [percent('50', { frequency: 'once' })] });
    // 499.5 → 500
    expect(t.coupons[0]).toMatchObject({ amountCents: 500n, terminated: true });
  });

  it('orders metric-limited, plan-limited, then others, oldest first, and spreads each on its fees', () => {
    const fees = [
      fee('sub', 10000n, { kind: 'subscription', planId: 'p1' }),
      fee('a', 5000n, { planId: 'p1', billableMetricId: 'm1' }),
      fee('b', 2000n, { planId: 'p1', billableMetricId: 'm2' }),
      fee('addon', 1000n, { kind: 'add_on' }),
    ];
    const unlimited = fixed(1000n); // created first
    const planLimited = percent('50', { limitedPlanIds: ['p1'] });
    const metricLimited = fixed(3000n, { limitedBillableMetricIds: ['m1'] }); // created last
    const t = totals({ fees, coupons: [unlimited, planLimited, metricLimited] });
    expect(t.coupons.map((c) => c.appliedCouponId)).toEqual([metricLimited.id, planLimited.id, unlimited.id]);
    // metric m1: base 5000 → 3000, all on fee a
    expect(t.coupons[0]!.feeShares).toEqual([{ feeId: 'a', amountCents: 3000n }]);
    // plan p1: base 10000 + (5000 − 3000) + 2000 = 14000 → 50 % = 7000 → 5000, 1000, 1000
    expect(t.coupons[1]).toMatchObject({ baseAmountCents: 14000n, amountCents: 7000n });
    expect(t.coupons[1]!.feeShares.map((s) => s.amountCents)).toEqual([5000n, 1000n, 1000n]);
    // others: base 5000 + 1000 + 1000 + 1000 = 8000 → 1000 → 625, 125, 125, 125
    expect(t.coupons[2]!.feeShares.map((s) => s.amountCents)).toEqual([625n, 125n, 125n, 125n]);
    expect(t.couponsAmountCents).toBe(11000n);
    expect(t.fees.map((f) => f.couponsAmountCents)).toEqual([5625n, 4125n, 1125n, 125n]);
    expect(t.subTotalExcludingTaxesAmountCents).toBe(7000n);
  });

  it('a limited coupon with no eligible fee is not applied and consumes nothing', () => {
    const t = totals({ fees: [fee('a', 1000n, { billableMetricId: 'm1' })], coupons: [fixed(500n, { frequency: 'once', limitedBillableMetricIds: ['m9'] })] });
    expect(t.coupons).toEqual([]);
    expect(t.totalAmountCents).toBe(1000n);
  });

  it('a coupon larger than the invoice stops it at 0; later coupons are not applied', () => {
    const later = percent('10', { createdAtMs: 2 });
    const big = fixed(20000n, { createdAtMs: 1 }); // older: applied first
    const t = totals({ fees: [fee('a', 18000n, { taxRates: [VAT] })], coupons: [later, big] });
    expect(t.coupons.map((c) => [c.appliedCouponId, c.amountCents])).toEqual([[big.id, 18000n]]);
    expect(t.subTotalExcludingTaxesAmountCents).toBe(0n);
    expect(t.taxesAmountCents).toBe(0n);
    expect(t.totalAmountCents).toBe(0n);
    expect(t.paymentStatus).toBe('succeeded');
  });

  it('a coupon that comes to 0 cents is not applied (1 % of 10 cents = 0.1 → 0)', () => {
    const t = totals({ fees: [fee('a', 10n)], coupons: [percent('1', { frequency: 'once' })] });
    expect(t.coupons).toEqual([]);
  });

  it('wallet top-up fees take no coupon', () => {
    expect(isEligible(fixed(1n), { id: 'x', amountCents: 10n, kind: 'credit' })).toBe(false);
    const t = totals({ fees: [fee('topup', 5000n, { kind: 'credit' })], coupons: [fixed(1000n)] });
    expect(t.couponsAmountCents).toBe(0n);
  });

  it('a coupon limited to both plans and metrics takes fees matching either, in the metric group', () => {
    const both = fixed(1n, { limitedPlanIds: ['p1'], limitedBillableMetricIds: ['m1'], createdAtMs: 100 });
    const plan = fixed(1n, { limitedPlanIds: ['p1'], createdAtMs: 0 });
    expect(orderCoupons([plan, both]).map((c) => c.id)).toEqual([both.id, plan.id]);
    expect(isEligible(both, { id: 'f', amountCents: 1n, kind: 'subscription', planId: 'p1' })).toBe(true);
    expect(isEligible(both, { id: 'f', amountCents: 1n, kind: 'charge', planId: 'p2', billableMetricId: 'm1' })).toBe(true);
    expect(isEligible(both, { id: 'f', amountCents: 1n, kind: 'charge', planId: 'p2', billableMetricId: 'm2' })).toBe(false);
  });

  it('same age: ordered by id', () => {
    const a = fixed(1n, { id: 'b-coupon', createdAtMs: 5 });
    const b = fixed(1n, { id: 'a-coupon', createdAtMs: 5 });
    expect(orderCoupons([a, b]).map((c) => c.id)).toEqual(['a-coupon', 'b-coupon']);
  });

  it('rejects malformed coupons and fees', () => {
    const fees = [fee('a', 100n)];
    expect(() => applyCoupons(fees, [coupon({ couponType: 'percentage' })])).toThrow(/percentage_rate/);
    expect(() => applyCoupons(fees, [percent('-1')])).toThrow(/percentage_rate/);
    expect(() => applyCoupons(fees, [coupon({ couponType: 'fixed_amount' })])).toThrow(/amount_cents/);
    expect(() => applyCoupons(fees, [fixed(1n, { amountCentsRemaining: -1n })])).toThrow(/remaining/);
    expect(() => applyCoupons(fees, [coupon({ couponType: 'other' as never })])).toThrow(/coupon_type/);
    expect(() => applyCoupons(fees, [fixed(1n, { frequency: 'daily' as never })])).toThrow(/frequency/);
    expect(() => applyCoupons([fee('a', 1n), fee('a', 2n)], [])).toThrow(/unique/);
    expect(() => applyCoupons([fee('a', -1n)], [])).toThrow(/negative/);
  });
});

describe('largest-remainder splits', () => {
  it('splits pro rata to the cent, remainders to the largest fractions', () => {
    // 1000 over 3333/3333/3334: exact 333.3, 333.3, 333.4 → 333, 333, 334
    expect(splitProRata(1000n, [3333n, 3333n, 3334n])).toEqual([333n, 333n, 334n]);
    // 2 over three equal weights: ties go to the lower index
    expect(splitProRata(2n, [1n, 1n, 1n])).toEqual([1n, 1n, 0n]);
    expect(splitProRata(0n, [0n, 0n])).toEqual([0n, 0n]);
    expect(() => splitProRata(1n, [0n])).toThrow(RangeError);
    expect(() => splitProRata(-1n, [1n])).toThrow(RangeError);
  });
  it('rounds exact parts to a target', () => {
    // 0.5 + 0.5 = 1 → one cent, to the first
    expect(roundPartsToTarget(1n, [new Dec('0.5'), new Dec('0.5')])).toEqual([1n, 0n]);
    expect(() => roundPartsToTarget(5n, [new Dec('0.5')])).toThrow(InvoiceInvariantError);
    expect(() => roundPartsToTarget(0n, [new Dec('-1')])).toThrow(RangeError);
  });
});

describe('taxes', () => {
  it('several taxes: exact per fee, rounded once per invoice, applied taxes add up', () => {
    const vat = { code: 'vat', rate: new Dec(20) };
    const city = { code: 'city', rate: new Dec(5) };
    const t = totals({ fees: [fee('a', 1000n, { taxRates: [vat, city] }), fee('b', 333n, { taxRates: [vat] })] });
    // exact: 200 + 50 + 66.6 = 316.6 → 317
    expect(t.taxesPreciseAmountCents.toString()).toBe('316.6');
    expect(t.taxesAmountCents).toBe(317n);
    // vat 266.6 → 267, city 50
    expect(t.appliedTaxes.map((a) => [a.key, a.baseAmountCents, a.preciseAmountCents.toString(), a.amountCents])).toEqual([
      ['vat', 1333n, '266.6', 267n],
      ['city', 1000n, '50', 50n],
    ]);
    // fee a 250, fee b 66.6 → 67
    expect(t.fees.map((f) => [f.taxesRate.toString(), f.taxesAmountCents, f.totalAmountCents])).toEqual([
      ['25', 250n, 1250n],
      ['20', 67n, 400n],
    ]);
  });

  it('per-tax lines follow the invoice total, not their own rounding (0.5 + 0.5 → 1, not 2)', () => {
    const a = { code: 'a', rate: VAT };
    const b = { code: 'b', rate: VAT };
    // 4 × 12.5 % = 0.5 each; invoice tax round(1.0) = 1
    const t = totals({ fees: [fee('x', 4n, { taxRates: [a] }), fee('y', 4n, { taxRates: [b] })] });
    expect(t.taxesAmountCents).toBe(1n);
    expect(t.appliedTaxes.map((x) => x.amountCents)).toEqual([1n, 0n]);
    expect(t.fees.map((x) => x.taxesAmountCents)).toEqual([1n, 0n]);
  });

  it('rejects bad tax input', () => {
    expect(() => totals({ fees: [fee('x', 4n, { taxRates: [new Dec(-1)] })] })).toThrow(/non-negative/);
    expect(() => totals({ fees: [fee('x', 4n, { taxRates: [{ code: '', rate: VAT }] })] })).toThrow(/code/);
    expect(() => totals({ fees: [fee('x', 4n, { taxRates: [VAT, VAT] })] })).toThrow(/twice/);
    expect(() =>
      totals({ fees: [fee('x', 4n, { taxRates: [{ code: 't', rate: VAT }] }), fee('y', 4n, { taxRates: [{ code: 't', rate: new Dec(5) }] })] }),
    ).toThrow(/two rates/);
  });
});

describe('credit notes and prepaid credits', () => {
  const fees = [fee('sub', 12000n, { kind: 'subscription', taxRates: [VAT] })];
  it('applies credit notes, then the wallet, after taxes', () => {
    const t = totals({ fees, creditNoteCents: 500n, prepaidCreditCents: 3000n });
    // 13500 − 500 − 3000 = 10000
    expect(t.creditNotesAmountCents).toBe(500n);
    expect(t.prepaidCreditAmountCents).toBe(3000n);
    expect(t.totalAmountCents).toBe(10000n);
    expect(t.paymentStatus).toBe('pending');
  });
  it('a wallet larger than the total pays all of it and no more', () => {
    const t = totals({ fees, prepaidCreditCents: 100000n });
    expect(t.prepaidCreditAmountCents).toBe(13500n);
    expect(t.totalAmountCents).toBe(0n);
    expect(t.paymentStatus).toBe('succeeded');
  });
  it('credit notes larger than the total leave nothing for the wallet', () => {
    const t = totals({ fees, creditNoteCents: 20000n, prepaidCreditCents: 100n });
    expect(t.creditNotesAmountCents).toBe(13500n);
    expect(t.prepaidCreditAmountCents).toBe(0n);
    expect(t.totalAmountCents).toBe(0n);
  });
  it('rejects negative credits and unknown currencies', () => {
    expect(() => totals({ prepaidCreditCents: -1n })).toThrow(RangeError);
    expect(() => totals({ creditNoteCents: -1n })).toThrow(RangeError);
    expect(() => totals({ currency: 'XXX' })).toThrow(/currency/);
  });
  it('an empty invoice is 0 and succeeded', () => {
    const t = totals({});
    expect(t.totalAmountCents).toBe(0n);
    expect(t.paymentStatus).toBe('succeeded');
  });
});

describe('properties', () => {
  const taxArb = fc.constantFrom('0', '5', '12.5', '19.6', '20', '33.333');
  const feeArb = fc.record({
    amount: fc.bigInt({ min: 0n, max: 10_000_000n }),
    plan: fc.constantFrom('p1', 'p2'),
    metric: fc.constantFrom('m1', 'm2', null),
    taxes: fc.uniqueArray(taxArb, { maxLength: 3 }),
  });
  const couponArb = fc.record({
    percentage: fc.boolean(),
    rate: fc.constantFrom('0', '3.5', '10', '33.333', '50', '100', '120'),
    amount: fc.bigInt({ min: 0n, max: 5_000_000n }),
    frequency: fc.constantFrom('once', 'recurring', 'forever') as fc.Arbitrary<'once' | 'recurring' | 'forever'>,
    limit: fc.constantFrom('none', 'plan', 'metric'),
    createdAtMs: fc.integer({ min: 0, max: 10 }),
  });
  const inputArb = fc.record({
    fees: fc.array(feeArb, { maxLength: 8 }),
    coupons: fc.array(couponArb, { maxLength: 4 }),
    wallet: fc.bigInt({ min: 0n, max: 20_000_000n }),
    creditNotes: fc.bigInt({ min: 0n, max: 1_000_000n }),
  });
  type Raw = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;
  const build = (raw: Raw): InvoiceTotalsInput => ({
    currency: 'USD',
    fees: raw.fees.map((f, i) => ({
      id: `f${i}`,
      amountCents: f.amount,
      kind: f.metric ? 'charge' : 'subscription',
      planId: f.plan,
      billableMetricId: f.metric,
      taxRates: f.taxes.map((rate) => ({ code: `tax_${rate}`, rate: new Dec(rate) })),
    })),
    coupons: raw.coupons.map((c, i) => ({
      id: `c${i}`,
      couponType: c.percentage ? 'percentage' : 'fixed_amount',
      percentageRate: new Dec(c.rate),
      amountCents: c.amount,
      frequency: c.frequency,
      frequencyDurationRemaining: c.frequency === 'recurring' ? 2 : null,
      limitedPlanIds: c.limit === 'plan' ? ['p1'] : [],
      limitedBillableMetricIds: c.limit === 'metric' ? ['m1'] : [],
      createdAtMs: c.createdAtMs,
    })),
    prepaidCreditCents: raw.wallet,
    creditNoteCents: raw.creditNotes,
  });

  it('coupon shares add up exactly to each coupon and never exceed a fee', () => {
    fc.assert(
      fc.property(inputArb, (raw) => {
        const t = computeInvoiceTotals(build(raw));
        for (const c of t.coupons) {
          if (c.feeShares.reduce((acc, s) => acc + s.amountCents, 0n) !== c.amountCents) return false;
        }
        return (
          t.fees.every((f) => f.couponsAmountCents >= 0n && f.couponsAmountCents <= f.amountCents) &&
          t.fees.reduce((acc, f) => acc + f.couponsAmountCents, 0n) === t.couponsAmountCents &&
          t.couponsAmountCents <= t.feesAmountCents
        );
      }),
    );
  });

  it('totals are never negative and follow the pipeline', () => {
    fc.assert(
      fc.property(inputArb, (raw) => {
        const t = computeInvoiceTotals(build(raw));
        return (
          t.subTotalExcludingTaxesAmountCents === t.feesAmountCents - t.couponsAmountCents &&
          t.subTotalIncludingTaxesAmountCents === t.subTotalExcludingTaxesAmountCents + t.taxesAmountCents &&
          t.totalAmountCents ===
            t.subTotalIncludingTaxesAmountCents - t.creditNotesAmountCents - t.prepaidCreditAmountCents &&
          [t.subTotalExcludingTaxesAmountCents, t.taxesAmountCents, t.prepaidCreditAmountCents, t.creditNotesAmountCents, t.totalAmountCents].every(
            (c) => c >= 0n,
          ) &&
          t.prepaidCreditAmountCents <= raw.wallet &&
          (t.paymentStatus === 'pending') === t.totalAmountCents > 0n
        );
      }),
    );
  });

  it('per-tax and per-fee taxes add up to the invoice tax, each within 1 cent of its exact amount', () => {
    fc.assert(
      fc.property(inputArb, (raw) => {
        const t = computeInvoiceTotals(build(raw));
        const within = (cents: bigint, exact: Dec) => new Dec(cents.toString()).minus(exact).abs().lt(1);
        return (
          t.appliedTaxes.reduce((acc, a) => acc + a.amountCents, 0n) === t.taxesAmountCents &&
          t.fees.reduce((acc, f) => acc + f.taxesAmountCents, 0n) === t.taxesAmountCents &&
          // the invoice tax is the exact sum rounded once (half away from zero)
          new Dec(t.taxesAmountCents.toString()).minus(t.taxesPreciseAmountCents).abs().lte(0.5) &&
          t.appliedTaxes.every((a) => within(a.amountCents, a.preciseAmountCents)) &&
          t.fees.every((f) => within(f.taxesAmountCents, f.taxesPreciseAmountCents))
        );
      }),
    );
  });

  it('pro-rata splits add up for any weights', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 1_000_000n }), { minLength: 1, maxLength: 10 }), fc.double({ min: 0, max: 1, noNaN: true }), (weights, ratio) => {
        const sum = weights.reduce((a, b) => a + b, 0n);
        const total = BigInt(Math.floor(Number(sum) * ratio));
        const parts = splitProRata(total, weights);
        return parts.reduce((a, b) => a + b, 0n) === total && parts.every((p, i) => p >= 0n && p <= weights[i]!);
      }),
    );
  });
});
