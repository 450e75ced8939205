import { amountOf, price, usage } from './support';

describe('standard charge model', () => {
  // Reference §11 vector 8.
  it.each([
    ['10', '5.12345', '51.2345'], // 10 × 5.12345
    ['0', '5', '0'], // nothing used
    ['2.5', '4', '10'], // 2.5 × 4 (prorated units are decimals)
    ['3', '0', '0'], // free
  ])('%s units at %s → %s', (units, amount, expected) => {
    expect(amountOf('standard', { amount }, usage(units))).toBe(expected);
  });

  it('reports the unit price as unit amount and a printable breakdown', () => {
    const result = price('standard', { amount: '5.12345' }, usage('10'));
    expect(result.unitAmount.toFixed()).toBe('5.12345');
    expect(result.details).toEqual({
      kind: 'standard', units: '10', per_unit_amount: '5.12345', per_unit_total_amount: '51.2345',
    });
  });

  it('bills negative units as zero (Lago)', () => {
    const result = price('standard', { amount: '5' }, usage('-3'));
    expect(result.amount.isZero()).toBe(true);
    expect(result.unitAmount.isZero()).toBe(true);
    expect(result.details).toEqual({ kind: 'zeroed', charge_model: 'standard', reason: 'negative_units' });
  });
});
