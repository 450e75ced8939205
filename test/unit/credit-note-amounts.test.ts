import fc from 'fast-check';
import { Dec } from '../../src/billing/money';
import {
  computeCreditNoteAmounts, CreditNoteAmountError, proportionalShare, remainingCreditableCents, type CreditableFee,
} from '../../src/billing/credit-note-amounts';

const vat125 = { key: 'vat', taxCode: 'vat', taxName: 'VAT', rate: new Dec('12.5') };

function fee(overrides: Partial<CreditableFee> = {}): CreditableFee {
  return { id: 'f1', amountCents: 2000n, couponsAmountCents: 0n, taxesAmountCents: 250n, taxes: [vat125], creditedAmountCents: 0n, ...overrides };
}

describe('proportionalShare', () => {
  it('rounds half away from zero', () => {
    // 250 × 500 / 2000 = 62.5 → 63; 250 × 1000 / 2000 = 125; 10 × 1 / 3 = 3.33 → 3; 10 × 2 / 3 = 6.67 → 7.
    expect(proportionalShare(250n, 500n, 2000n)).toBe(63n);
    expect(proportionalShare(250n, 1000n, 2000n)).toBe(125n);
    expect(proportionalShare(10n, 1n, 3n)).toBe(3n);
    expect(proportionalShare(10n, 2n, 3n)).toBe(7n);
    expect(() => proportionalShare(1n, 1n, 0n)).toThrow(RangeError);
  });
});

describe('computeCreditNoteAmounts', () => {
  it('credits 500 of a 2000 fee taxed 12.5 %: 500 + 63 = 563', () => {
    // The fee's tax is 2000 × 12.5 % = 250. The item's share is 250 × 500 / 2000 = 62.5,
    // rounded half away from zero to 63, so the note totals 500 + 63 = 563.
    const amounts = computeCreditNoteAmounts([fee()], [{ feeId: 'f1', amountCents: 500n }]);
    expect(amounts.subTotalExcludingTaxesAmountCents).toBe(500n);
    expect(amounts.taxesAmountCents).toBe(63n);
    expect(amounts.totalAmountCents).toBe(563n);
    expect(amounts.preciseTaxesAmountCents.toFixed()).toBe('62.5');
    expect(amounts.taxesRate.toFixed()).toBe('12.5');
    expect(amounts.appliedTaxes).toEqual([{ ...vat125, amountCents: 63n, baseAmountCents: 500n }]);
  });

  it('gives back exactly the fee tax over several notes (63, 62, 63, 62 = 250)', () => {
    const taxes: bigint[] = [];
    let credited = 0n;
    for (let i = 0; i < 4; i++) {
      const amounts = computeCreditNoteAmounts([fee({ creditedAmountCents: credited })], [{ feeId: 'f1', amountCents: 500n }]);
      taxes.push(amounts.taxesAmountCents);
      credited += 500n;
    }
    // cumulative rounded shares: 63, 125, 188, 250 → differences 63, 62, 63, 62.
    expect(taxes).toEqual([63n, 62n, 63n, 62n]);
  });

  it('takes the coupon share off before the tax', () => {
    // Fee 1000 with a 100 coupon, tax 10 % of 900 = 90. Crediting 500: coupons 100 × 500/1000 = 50,
    // tax 90 × 500/1000 = 45; sub-total 450, total 495.
    const amounts = computeCreditNoteAmounts(
      [fee({ amountCents: 1000n, couponsAmountCents: 100n, taxesAmountCents: 90n, taxes: [{ key: 'vat', taxCode: 'vat', taxName: null, rate: new Dec(10) }] })],
      [{ feeId: 'f1', amountCents: 500n }],
    );
    expect(amounts.couponsAdjustmentAmountCents).toBe(50n);
    expect(amounts.subTotalExcludingTaxesAmountCents).toBe(450n);
    expect(amounts.taxesAmountCents).toBe(45n);
    expect(amounts.totalAmountCents).toBe(495n);
  });

  it('splits an item tax over two taxes by rate and sums items per tax', () => {
    // Fee 1000 taxed 20 % + 10 % = 300. Crediting 1000 gives 300, split 2:1 → 200 and 100.
    const twoTaxes = fee({
      id: 'f2', amountCents: 1000n, taxesAmountCents: 300n,
      taxes: [{ key: 'a', taxCode: 'a', taxName: 'A', rate: new Dec(20) }, { key: 'b', taxCode: 'b', taxName: 'B', rate: new Dec(10) }],
    });
    const amounts = computeCreditNoteAmounts([fee(), twoTaxes], [{ feeId: 'f2', amountCents: 1000n }, { feeId: 'f1', amountCents: 2000n }]);
    expect(amounts.items.map((i) => i.taxesAmountCents)).toEqual([300n, 250n]);
    expect(amounts.appliedTaxes.map((t) => [t.key, t.amountCents, t.baseAmountCents])).toEqual([['a', 200n, 1000n], ['b', 100n, 1000n], ['vat', 250n, 2000n]]);
    expect(amounts.totalAmountCents).toBe(3000n + 550n);
  });

  it('handles untaxed fees and zero-rate taxes', () => {
    const untaxed = computeCreditNoteAmounts([fee({ taxesAmountCents: 0n, taxes: [] })], [{ feeId: 'f1', amountCents: 10n }]);
    expect(untaxed.totalAmountCents).toBe(10n);
    expect(untaxed.taxesRate.toFixed()).toBe('0');
    const zero = computeCreditNoteAmounts([fee({ taxesAmountCents: 0n, taxes: [{ key: 'z', taxCode: 'z', taxName: null, rate: new Dec(0) }] })], [{ feeId: 'f1', amountCents: 10n }]);
    expect(zero.appliedTaxes[0]!.amountCents).toBe(0n);
    expect(() => computeCreditNoteAmounts([fee({ taxes: [] })], [{ feeId: 'f1', amountCents: 10n }])).toThrow(RangeError);
  });

  it('refuses items beyond the remaining fee amount, unknown fees and empty items', () => {
    const over = () => computeCreditNoteAmounts([fee({ creditedAmountCents: 1800n })], [{ feeId: 'f1', amountCents: 201n }]);
    expect(over).toThrow(CreditNoteAmountError);
    // Two items on one fee add up: 1500 + 501 > 2000.
    expect(() => computeCreditNoteAmounts([fee()], [{ feeId: 'f1', amountCents: 1500n }, { feeId: 'f1', amountCents: 501n }])).toThrow(CreditNoteAmountError);
    expect(() => computeCreditNoteAmounts([fee()], [{ feeId: 'nope', amountCents: 1n }])).toThrow(CreditNoteAmountError);
    expect(() => computeCreditNoteAmounts([fee()], [{ feeId: 'f1', amountCents: 0n }])).toThrow(CreditNoteAmountError);
    expect(remainingCreditableCents({ amountCents: 2000n, creditedAmountCents: 2500n })).toBe(0n);
    expect(remainingCreditableCents({ amountCents: 2000n, creditedAmountCents: 500n })).toBe(1500n);
  });

  it('never gives back more tax or coupons than the fee carried, whatever the split', () => {
    fc.assert(fc.property(
      fc.bigInt({ min: 1n, max: 10n ** 9n }),
      fc.integer({ min: 0, max: 100 }),
      fc.integer({ min: 0, max: 100 }),
      fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 6 }),
      (amount, couponPct, taxPct, weights) => {
        const coupons = (amount * BigInt(couponPct)) / 100n;
        const taxes = ((amount - coupons) * BigInt(taxPct)) / 100n;
        const base = fee({ amountCents: amount, couponsAmountCents: coupons, taxesAmountCents: taxes, taxes: [{ key: 't', taxCode: 't', taxName: null, rate: new Dec(taxPct) }] });
        // Split the whole fee into notes by the weights.
        const sumW = weights.reduce((s, w) => s + BigInt(w), 0n);
        const parts = weights.map((w) => (amount * BigInt(w)) / sumW);
        parts[parts.length - 1] = parts[parts.length - 1]! + (amount - parts.reduce((s, p) => s + p, 0n));
        let credited = 0n;
        let taxBack = 0n;
        let couponsBack = 0n;
        for (const part of parts.filter((p) => p > 0n)) {
          const note = computeCreditNoteAmounts([{ ...base, creditedAmountCents: credited }], [{ feeId: 'f1', amountCents: part }]);
          credited += part;
          taxBack += note.taxesAmountCents;
          couponsBack += note.couponsAdjustmentAmountCents;
          expect(note.taxesAmountCents).toBeGreaterThanOrEqual(0n);
          expect(note.totalAmountCents).toBe(note.subTotalExcludingTaxesAmountCents + note.taxesAmountCents);
        }
        expect(taxBack).toBe(taxes);
        expect(couponsBack).toBe(coupons);
      },
    ));
  });
});
