import fc from 'fast-check';
import { Dec } from '../../src/billing/money';
import { nextTopUpDate } from '../../src/billing/wallet-intervals';
import { allocateToWallets, centsToCredits, creditPriceCents, CreditsError, creditsToCents, parseCreditAmount, planDraws } from '../../src/billing/wallet-credits';

describe('credits and cents', () => {
  it('prices credits at rate × subunit, rounded once', () => {
    // 10 credits × 1.5 EUR × 100 = 1500 cents; 15 credits → 2250.
    expect(creditsToCents(new Dec(10), new Dec('1.5'), 'EUR')).toBe(1500n);
    expect(creditsToCents(new Dec(15), new Dec('1.5'), 'EUR')).toBe(2250n);
    // 0.333 × 1.5 × 100 = 49.95 → 50 (half away from zero).
    expect(creditsToCents(new Dec('0.333'), new Dec('1.5'), 'EUR')).toBe(50n);
    // JPY has no minor unit: 3 credits × 99.5 JPY = 298.5 → 299.
    expect(creditsToCents(new Dec(3), new Dec('99.5'), 'JPY')).toBe(299n);
    // KWD has 3: 2 credits × 1.2345 KWD = 2469 fils.
    expect(creditsToCents(new Dec(2), new Dec('1.2345'), 'KWD')).toBe(2469n);
  });

  it('turns cents back into credits with 5 decimals', () => {
    // 1250 / 150 = 8.333333… → 8.33333; 1000 / 150 = 6.666666… → 6.66667.
    expect(centsToCredits(1250n, new Dec('1.5'), 'EUR').toFixed()).toBe('8.33333');
    expect(centsToCredits(1000n, new Dec('1.5'), 'EUR').toFixed()).toBe('6.66667');
    expect(centsToCredits(2250n, new Dec('1.5'), 'EUR').toFixed()).toBe('15');
    expect(creditPriceCents(new Dec('1.5'), 'EUR').toFixed()).toBe('150');
  });

  it('refuses negative amounts and non-positive rates', () => {
    expect(() => creditsToCents(new Dec(-1), new Dec(1), 'EUR')).toThrow(RangeError);
    expect(() => centsToCredits(-1n, new Dec(1), 'EUR')).toThrow(RangeError);
    expect(() => creditPriceCents(new Dec(0), 'EUR')).toThrow(RangeError);
  });

  it('parses credit amounts strictly', () => {
    expect(parseCreditAmount('10').toFixed()).toBe('10');
    expect(parseCreditAmount(' 2.5 ').toFixed()).toBe('2.5');
    expect(parseCreditAmount(7.25).toFixed()).toBe('7.25');
    for (const bad of ['-1', '1e3', 'abc', '', '1.123456', null, true, Number.NaN]) {
      expect(() => parseCreditAmount(bad)).toThrow(CreditsError);
    }
    expect(parseCreditAmount('1.123456789', 15).toFixed()).toBe('1.123456789');
  });
});

describe('planDraws', () => {
  it('draws in order until the amount is met', () => {
    // 1000 from [300, 2250]: 300 from the first, 700 from the second.
    expect(planDraws(1000n, [{ id: 'a', balanceCents: 300n }, { id: 'b', balanceCents: 2250n }])).toEqual([
      { id: 'a', amountCents: 300n },
      { id: 'b', amountCents: 700n },
    ]);
    expect(planDraws(0n, [{ id: 'a', balanceCents: 300n }])).toEqual([]);
    expect(planDraws(500n, [{ id: 'a', balanceCents: 0n }, { id: 'b', balanceCents: 100n }])).toEqual([{ id: 'b', amountCents: 100n }]);
    expect(() => planDraws(-1n, [])).toThrow(RangeError);
    expect(() => planDraws(1n, [{ id: 'a', balanceCents: -1n }])).toThrow(RangeError);
  });

  it('never draws more than asked nor more than held', () => {
    fc.assert(fc.property(
      fc.bigInt({ min: 0n, max: 10n ** 12n }),
      fc.array(fc.bigInt({ min: 0n, max: 10n ** 9n }), { maxLength: 8 }),
      (amount, balances) => {
        const draws = planDraws(amount, balances.map((balanceCents, i) => ({ id: String(i), balanceCents })));
        const total = draws.reduce((sum, d) => sum + d.amountCents, 0n);
        const held = balances.reduce((sum, b) => sum + b, 0n);
        expect(total).toBe(amount < held ? amount : held);
        for (const draw of draws) {
          expect(draw.amountCents).toBeGreaterThan(0n);
          expect(draw.amountCents).toBeLessThanOrEqual(balances[Number(draw.id)]!);
        }
      },
    ));
  });
});

describe('allocateToWallets (applies_to)', () => {
  const open = (id: string, balanceCents: bigint) => ({ id, balanceCents, feeTypes: [], billableMetricIds: [] });

  it('draws unrestricted wallets in the order given, as planDraws does', () => {
    // 1900 of usage from A (1000) then B (5000): A 1000, B 900.
    const draws = allocateToWallets([open('a', 1000n), open('b', 5000n)], [{ feeType: 'charge', billableMetricId: 'm', amountCents: 1900n }], 1900n);
    expect(draws).toEqual([{ id: 'a', amountCents: 1000n }, { id: 'b', amountCents: 900n }]);
    expect(draws).toEqual(planDraws(1900n, [{ id: 'a', balanceCents: 1000n }, { id: 'b', balanceCents: 5000n }]));
  });

  it('lets a restricted wallet pay only its fee types and metrics, and stops at the cap', () => {
    const buckets = [
      { feeType: 'subscription', billableMetricId: null, amountCents: 2000n },
      { feeType: 'charge', billableMetricId: 'tokens', amountCents: 300n },
      { feeType: 'charge', billableMetricId: 'storage', amountCents: 400n },
    ];
    const tokensOnly = { id: 't', balanceCents: 1000n, feeTypes: [], billableMetricIds: ['tokens'] };
    const subscriptionOnly = { id: 's', balanceCents: 100n, feeTypes: ['subscription'], billableMetricIds: [] };
    // T: the 300 of tokens; S: 100 of the 2000 base fee; storage's 400 by nobody.
    expect(allocateToWallets([tokensOnly, subscriptionOnly], buckets, 2700n)).toEqual([{ id: 't', amountCents: 300n }, { id: 's', amountCents: 100n }]);
    // A cap of 250 (what is left after credit notes): T gives 250 and S nothing.
    expect(allocateToWallets([tokensOnly, subscriptionOnly], buckets, 250n)).toEqual([{ id: 't', amountCents: 250n }]);
    // A charge-type wallet pays both metrics, largest bucket first: storage 400 then tokens 300 → 500 of its 500.
    expect(allocateToWallets([{ id: 'c', balanceCents: 500n, feeTypes: ['charge'], billableMetricIds: [] }], buckets, 2700n)).toEqual([{ id: 'c', amountCents: 500n }]);
  });

  it('never draws more than a wallet holds, a bucket asks or the cap allows', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ balance: fc.bigInt({ min: 0n, max: 10_000n }), types: fc.subarray(['charge', 'subscription']), metrics: fc.subarray(['m1', 'm2']) }), { maxLength: 5 }),
      fc.array(fc.record({ type: fc.constantFrom('charge', 'subscription', 'commitment'), metric: fc.constantFrom('m1', 'm2', 'm3'), amount: fc.bigInt({ min: 0n, max: 10_000n }) }), { maxLength: 6 }),
      fc.bigInt({ min: 0n, max: 30_000n }),
      (wallets, buckets, cap) => {
        const scoped = wallets.map((w, i) => ({ id: `w${i}`, balanceCents: w.balance, feeTypes: w.types, billableMetricIds: w.metrics }));
        const fees = buckets.map((b) => ({ feeType: b.type, billableMetricId: b.type === 'charge' ? b.metric : null, amountCents: b.amount }));
        const draws = allocateToWallets(scoped, fees, cap);
        const total = draws.reduce((sum, d) => sum + d.amountCents, 0n);
        expect(total <= cap).toBe(true);
        expect(total <= fees.reduce((sum, f) => sum + f.amountCents, 0n)).toBe(true);
        for (const d of draws) expect(d.amountCents > 0n && d.amountCents <= scoped.find((w) => w.id === d.id)!.balanceCents).toBe(true);
      },
    ));
  });
});

describe('nextTopUpDate (interval top-ups)', () => {
  it('tops up on the anchor\'s anniversaries, after the given day', () => {
    // Monthly from Jan 15: the anchor itself when it is still ahead, then Feb 15, Mar 15.
    expect(nextTopUpDate('2027-01-15', 'monthly', '2027-01-14')).toBe('2027-01-15');
    expect(nextTopUpDate('2027-01-15', 'monthly', '2027-01-15')).toBe('2027-02-15');
    expect(nextTopUpDate('2027-01-15', 'monthly', '2027-02-20')).toBe('2027-03-15');
    // The 31st is clamped to the month's last day: Feb 28 (2027 is not a leap year), then Mar 31.
    expect(nextTopUpDate('2027-01-31', 'monthly', '2027-01-31')).toBe('2027-02-28');
    expect(nextTopUpDate('2027-01-31', 'monthly', '2027-02-28')).toBe('2027-03-31');
    // Weekly: every 7 days from Wed 2027-01-06 → 13, 20.
    expect(nextTopUpDate('2027-01-06', 'weekly', '2027-01-06')).toBe('2027-01-13');
    expect(nextTopUpDate('2027-01-06', 'weekly', '2027-01-13')).toBe('2027-01-20');
    // Quarterly from Jan 15: Apr 15, Jul 15; semiannual: Jul 15; yearly: 2028-01-15.
    expect(nextTopUpDate('2027-01-15', 'quarterly', '2027-01-15')).toBe('2027-04-15');
    expect(nextTopUpDate('2027-01-15', 'quarterly', '2027-05-01')).toBe('2027-07-15');
    expect(nextTopUpDate('2027-01-15', 'semiannual', '2027-01-15')).toBe('2027-07-15');
    expect(nextTopUpDate('2027-01-15', 'yearly', '2027-06-01')).toBe('2028-01-15');
  });
});
