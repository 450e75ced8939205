import { chargeFeeCents, supportsPayInAdvance } from '../../../src/billing/charge-models';
import { CHARGE_MODELS } from '../../../src/billing/types';
import { d } from './support';

describe('charge fee cents: rounded once, half away from zero, to the ISO 4217 exponent', () => {
  it.each([
    ['16.7661', 'EUR', 1677n, '1676.61'], // 1676.61 → 1677
    ['0.125', 'USD', 13n, '12.5'], // 12.5 → 13 (half away from zero)
    ['-0.125', 'USD', -13n, '-12.5'], // −12.5 → −13
    ['0.124999', 'USD', 12n, '12.4999'],
    ['100.5', 'JPY', 101n, '100.5'], // JPY has no minor unit
    ['1.2345', 'KWD', 1235n, '1234.5'], // 3 decimals: 1234.5 → 1235
    ['230', 'USD', 23000n, '23000'],
    ['0', 'USD', 0n, '0'],
  ])('%s %s → %s cents (precise %s)', (amount, currency, cents, precise) => {
    const fee = chargeFeeCents({ amount: d(amount) }, currency);
    expect(fee.amountCents).toBe(cents);
    expect(fee.preciseAmountCents.toFixed()).toBe(precise);
  });

  it('refuses unknown currencies', () => {
    expect(() => chargeFeeCents({ amount: d(1) }, 'ZZZ')).toThrow(/Unknown currency/);
  });
});

describe('registry', () => {
  it('lets every model but volume and dynamic be paid in advance', () => {
    expect(CHARGE_MODELS.filter((model) => !supportsPayInAdvance(model))).toEqual(['volume', 'dynamic']);
  });
});
