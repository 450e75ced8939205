/**
 * Progressive billing's rules (src/billing/progressive-billing.ts), with numbers worked out by hand
 * from Lago's semantics (reference/lago-api.md §4): fixed thresholds crossed once, the recurring one
 * at each further `amount` beyond the largest fixed one, nothing below the floor.
 */
import {
  checkThresholds, crossedLevels, largestFixedAmount, progressiveCredits, progressiveInvoiceAmounts, thresholdProgress, ThresholdRuleError,
  type UsageThreshold,
} from '../../src/billing/progressive-billing';
import { computeInvoiceTotals } from '../../src/billing/invoice-totals';
import { assertInvoiceAddsUp, assertProgressiveBilling, InvoiceInvariantViolation } from '../../src/billing/invoice-invariants';
import { Dec } from '../../src/billing/money';

const fixed = (id: string, amountCents: bigint): UsageThreshold => ({ id, amountCents, recurring: false });
const recurring = (id: string, amountCents: bigint): UsageThreshold => ({ id, amountCents, recurring: true });

describe('checkThresholds', () => {
  it('refuses two recurring thresholds and amounts that are not positive', () => {
    expect(() => checkThresholds([recurring('a', 100n), recurring('b', 200n)])).toThrow(ThresholdRuleError);
    expect(() => checkThresholds([fixed('a', 0n)])).toThrow(ThresholdRuleError);
    expect(() => checkThresholds([fixed('a', 1n), recurring('b', 1n)])).not.toThrow();
  });

  it('the largest fixed amount is 0 without fixed thresholds', () => {
    expect(largestFixedAmount([recurring('r', 5000n)])).toBe(0n);
    expect(largestFixedAmount([fixed('a', 10000n), fixed('b', 25000n), recurring('r', 90000n)])).toBe(25000n);
  });
});

describe('crossedLevels', () => {
  const thresholds = [fixed('t100', 10000n), recurring('r50', 5000n)];

  it('issue 15: 150 events at 1.00 cross the fixed 100.00 and the first recurring level 100 + 50 = 150.00', () => {
    // floor 0, total 15000: 10000 ∈ (0, 15000]; recurring levels 10000 + k·5000 ≤ 15000 → k = 1 (15000).
    expect(crossedLevels({ thresholds, floorCents: 0n, totalCents: 15000n, applied: [] })).toEqual([
      { thresholdId: 't100', levelAmountCents: 10000n, recurring: false, steps: 1 },
      { thresholdId: 'r50', levelAmountCents: 15000n, recurring: true, steps: 1 },
    ]);
  });

  it('a level reached exactly is crossed; one cent short is not', () => {
    expect(crossedLevels({ thresholds: [fixed('t100', 10000n)], floorCents: 0n, totalCents: 9999n, applied: [] })).toEqual([]);
    expect(crossedLevels({ thresholds: [fixed('t100', 10000n)], floorCents: 0n, totalCents: 10000n, applied: [] })).toHaveLength(1);
  });

  it('levels already applied are not crossed again; the next recurring level is', () => {
    const applied = [{ thresholdId: 't100', levelAmountCents: 10000n }, { thresholdId: 'r50', levelAmountCents: 15000n }];
    // total 18000: next recurring level 20000 > 18000 → nothing.
    expect(crossedLevels({ thresholds, floorCents: 0n, totalCents: 18000n, applied })).toEqual([]);
    // total 20000: 10000 + 2·5000 = 20000 → k = 2, one step.
    expect(crossedLevels({ thresholds, floorCents: 0n, totalCents: 20000n, applied })).toEqual([
      { thresholdId: 'r50', levelAmountCents: 20000n, recurring: true, steps: 1 },
    ]);
  });

  it('a jump over several recurring levels is one crossing at the highest, covering each step', () => {
    const applied = [{ thresholdId: 't100', levelAmountCents: 10000n }];
    // total 27300: levels 15000, 20000, 25000 ≤ 27300 (k = 1..3); recorded as 25000, 3 steps.
    expect(crossedLevels({ thresholds, floorCents: 0n, totalCents: 27300n, applied })).toEqual([
      { thresholdId: 'r50', levelAmountCents: 25000n, recurring: true, steps: 3 },
    ]);
    // Then 25000 applied: 27300 → 29999 crosses nothing, 30000 crosses k = 4.
    const after = [...applied, { thresholdId: 'r50', levelAmountCents: 25000n }];
    expect(crossedLevels({ thresholds, floorCents: 0n, totalCents: 29999n, applied: after })).toEqual([]);
    expect(crossedLevels({ thresholds, floorCents: 0n, totalCents: 30000n, applied: after })).toEqual([
      { thresholdId: 'r50', levelAmountCents: 30000n, recurring: true, steps: 1 },
    ]);
  });

  it('usage already there (historical, past periods) crosses nothing: only levels above the floor count', () => {
    // floor 12000 (a seeded history), total 16000: 10000 ≤ floor; recurring 15000 ∈ (12000, 16000].
    expect(crossedLevels({ thresholds, floorCents: 12000n, totalCents: 16000n, applied: [] })).toEqual([
      { thresholdId: 'r50', levelAmountCents: 15000n, recurring: true, steps: 1 },
    ]);
    // floor exactly on a recurring level (15000): it is not crossed again, the next is 20000.
    expect(crossedLevels({ thresholds, floorCents: 15000n, totalCents: 19999n, applied: [] })).toEqual([]);
  });

  it('without fixed thresholds the recurring levels are multiples of its amount', () => {
    // 5000 and 10000 ≤ 12000 → recorded as 10000, 2 steps.
    expect(crossedLevels({ thresholds: [recurring('r', 5000n)], floorCents: 0n, totalCents: 12000n, applied: [] })).toEqual([
      { thresholdId: 'r', levelAmountCents: 10000n, recurring: true, steps: 2 },
    ]);
  });

  it('several fixed thresholds crossed together come in order, a fixed one before the recurring one at the same level', () => {
    const many = [fixed('t300', 30000n), fixed('t100', 10000n), fixed('t200', 20000n), recurring('r', 10000n)];
    // largest fixed 30000; recurring levels 40000, 50000…; total 40000 → t100, t200, t300, r@40000.
    expect(crossedLevels({ thresholds: many, floorCents: 0n, totalCents: 40000n, applied: [] }).map((level) => `${level.thresholdId}@${level.levelAmountCents}`))
      .toEqual(['t100@10000', 't200@20000', 't300@30000', 'r@40000']);
  });
});

describe('progressive invoice amounts and the closing credit', () => {
  it('issue 15: 15000 billed by the progressive invoice; at 18000 the next would bill 3000; the closing invoice deducts 15000', () => {
    const billed = new Map([['sub:charge:c1', 15000n]]);
    // 18000 − 15000 = 3000.
    expect(progressiveInvoiceAmounts([{ key: 'sub:charge:c1', amountCents: 18000n }], billed)).toEqual([{ key: 'sub:charge:c1', amountCents: 3000n }]);
    expect(progressiveCredits([{ key: 'sub:charge:c1', amountCents: 18000n }, { key: 'sub:subscription', amountCents: 1000n }], billed))
      .toEqual(new Map([['sub:charge:c1', 15000n]]));
  });

  it('a line with nothing more to bill is left out; a credit is never more than its fee', () => {
    const billed = new Map([['a', 5000n], ['b', 7000n]]);
    // a: 5000 − 5000 = 0 (left out); b: 6000 − 7000 < 0 (left out); c: 250 − 0 = 250.
    expect(progressiveInvoiceAmounts([{ key: 'a', amountCents: 5000n }, { key: 'b', amountCents: 6000n }, { key: 'c', amountCents: 250n }], billed))
      .toEqual([{ key: 'c', amountCents: 250n }]);
    // b's fee fell to 6000 after 7000 were billed progressively: its credit is 6000.
    expect(progressiveCredits([{ key: 'b', amountCents: 6000n }], billed)).toEqual(new Map([['b', 6000n]]));
  });

  it('the totals deduct the credit before coupons and taxes', () => {
    // Closing invoice: base fee 1000 + usage 18000, 15000 billed progressively, 20 % tax on both.
    const t = computeInvoiceTotals({
      currency: 'EUR',
      fees: [
        { id: 'base', amountCents: 1000n, kind: 'subscription', taxRates: [new Dec(20)] },
        { id: 'usage', amountCents: 18000n, kind: 'charge', taxRates: [new Dec(20)], progressiveCreditCents: 15000n },
      ],
      coupons: [{ id: 'c', couponType: 'fixed_amount', amountCents: 400n, frequency: 'forever', createdAtMs: 1 }],
      prepaidCreditCents: 0n,
    });
    // fees 19000; credit 15000; coupon 400 spread on 1000 and 3000 → 100 and 300;
    // sub-total 19000 − 15000 − 400 = 3600; taxes (900 + 2700) × 20 % = 720; total 4320.
    expect(t.feesAmountCents).toBe(19000n);
    expect(t.progressiveBillingCreditAmountCents).toBe(15000n);
    expect(t.couponsAmountCents).toBe(400n);
    expect(t.subTotalExcludingTaxesAmountCents).toBe(3600n);
    expect(t.taxesAmountCents).toBe(720n);
    expect(t.totalAmountCents).toBe(4320n);
    expect(t.fees.find((fee) => fee.id === 'usage')).toMatchObject({ progressiveCreditCents: 15000n, couponsAmountCents: 300n, subTotalExcludingTaxesAmountCents: 2700n, taxesAmountCents: 540n });
  });

  it('a credit above its fee is refused', () => {
    expect(() => computeInvoiceTotals({
      currency: 'EUR', fees: [{ id: 'usage', amountCents: 100n, kind: 'charge', taxRates: [], progressiveCreditCents: 101n }], coupons: [], prepaidCreditCents: 0n,
    })).toThrow(RangeError);
  });
});

describe('the invariants of progressive billing', () => {
  const amounts = {
    fees_amount_cents: 19000n, progressive_billing_credit_amount_cents: 15000n, coupons_amount_cents: 0n, credit_notes_amount_cents: 0n,
    sub_total_excluding_taxes_amount_cents: 4000n, taxes_amount_cents: 0n, sub_total_including_taxes_amount_cents: 4000n,
    prepaid_credit_amount_cents: 0n, total_amount_cents: 4000n,
  };
  const fees = [{ fee_key: 'base', amount_cents: 1000n, taxes_amount_cents: 0n }, { fee_key: 'usage', amount_cents: 18000n, taxes_amount_cents: 0n }];

  it('fees − credit − coupons is the sub-total', () => {
    // 19000 − 15000 − 0 = 4000.
    expect(() => assertInvoiceAddsUp('closing', amounts, fees)).not.toThrow();
    expect(() => assertInvoiceAddsUp('closing', { ...amounts, sub_total_excluding_taxes_amount_cents: 19000n }, fees)).toThrow(/progressive-billing credit/);
    expect(() => assertInvoiceAddsUp('closing', { ...amounts, progressive_billing_credit_amount_cents: 20000n }, fees)).toThrow(InvoiceInvariantViolation);
  });

  it('a progressive invoice bills usage only, and carries no credit; a credit sits on a usage fee', () => {
    expect(() => assertProgressiveBilling('p', 'progressive_billing', [{ key: 'u', kind: 'charge', amountCents: 100n }])).not.toThrow();
    expect(() => assertProgressiveBilling('p', 'progressive_billing', [{ key: 'b', kind: 'subscription', amountCents: 100n }])).toThrow(/usage only/);
    expect(() => assertProgressiveBilling('p', 'progressive_billing', [{ key: 'u', kind: 'charge', amountCents: 100n, progressiveCreditCents: 1n }])).toThrow(InvoiceInvariantViolation);
    expect(() => assertProgressiveBilling('s', 'subscription', [{ key: 'b', kind: 'subscription', amountCents: 100n, progressiveCreditCents: 1n }])).toThrow(/subscription fee/);
    expect(() => assertProgressiveBilling('s', 'subscription', [{ key: 'u', kind: 'charge', amountCents: 100n, progressiveCreditCents: 101n }])).toThrow(/between 0/);
  });
});

describe('thresholdProgress (GET lifetime_usage)', () => {
  const thresholds = [fixed('t100', 10000n), fixed('t200', 20000n), recurring('r50', 5000n)];

  it('below the fixed thresholds: the next one with the share since the previous one, the others at 0', () => {
    // total 15000: t100 reached; t200: (15000 − 10000) / (20000 − 10000) = 0.5; recurring first level 20000 + 5000 = 25000 at 0.
    expect(thresholdProgress(thresholds, 15000n)).toEqual([
      { thresholdId: 't100', amountCents: 10000n, completionRatio: 1, reached: true },
      { thresholdId: 't200', amountCents: 20000n, completionRatio: 0.5, reached: false },
      { thresholdId: 'r50', amountCents: 25000n, completionRatio: 0, reached: false },
    ]);
  });

  it('beyond them: each recurring level reached, and the next in progress', () => {
    // total 31000: (31000 − 20000) / 5000 = 2 levels reached (25000, 30000); remainder 1000 / 5000 = 0.2 towards 35000.
    expect(thresholdProgress(thresholds, 31000n)).toEqual([
      { thresholdId: 't100', amountCents: 10000n, completionRatio: 1, reached: true },
      { thresholdId: 't200', amountCents: 20000n, completionRatio: 1, reached: true },
      { thresholdId: 'r50', amountCents: 25000n, completionRatio: 1, reached: true },
      { thresholdId: 'r50', amountCents: 30000n, completionRatio: 1, reached: true },
      { thresholdId: 'r50', amountCents: 35000n, completionRatio: 0.2, reached: false },
    ]);
  });

  it('lists the last 100 recurring levels reached at most', () => {
    // A 1-cent recurring threshold under 100000 of usage: 100000 levels reached; the last 100 are 99901…100000, then 100001 at 0.
    const progress = thresholdProgress([recurring('r', 1n)], 100000n);
    expect(progress).toHaveLength(101);
    expect(progress[0]).toEqual({ thresholdId: 'r', amountCents: 99901n, completionRatio: 1, reached: true });
    expect(progress[100]).toEqual({ thresholdId: 'r', amountCents: 100001n, completionRatio: 0, reached: false });
  });

  it('no usage: the first threshold at 0', () => {
    expect(thresholdProgress([fixed('t100', 10000n)], 0n)).toEqual([{ thresholdId: 't100', amountCents: 10000n, completionRatio: 0, reached: false }]);
  });
});
