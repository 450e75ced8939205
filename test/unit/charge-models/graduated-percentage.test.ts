import { amountOf, price, usage } from './support';

// Reference §11 vector 7.
const VECTOR_7 = {
  graduated_percentage_ranges: [
    { from_value: 0, to_value: 10, rate: '1', flat_amount: '200' },
    { from_value: 11, to_value: 20, rate: '2', flat_amount: '300' },
    { from_value: 21, to_value: null, rate: '3', flat_amount: '400' },
  ],
};

describe('graduated percentage charge model', () => {
  it.each([
    ['0', '200'], // tier 1 flat at 0 units
    ['1', '200.01'], // 200 + 1×1 %
    ['10', '200.1'], // 200 + 10×1 %
    ['11', '500.12'], // 200.1 + 300 + 1×2 %
    ['12', '500.14'], // 200.1 + 300 + 2×2 %
    ['21', '900.33'], // 200.1 + 300 + 10×2 % + 400 + 1×3 %
  ])('vector 7: %s → %s', (units, expected) => {
    expect(amountOf('graduated_percentage', VECTOR_7, usage(units))).toBe(expected);
  });

  it('details each tier with its rate', () => {
    expect(price('graduated_percentage', VECTOR_7, usage('12')).details).toEqual({
      kind: 'graduated_percentage',
      graduated_percentage_ranges: [
        { from_value: '0', to_value: '10', units: '10', rate: '1', flat_amount: '200', per_unit_total_amount: '0.1', total: '200.1' },
        { from_value: '11', to_value: '20', units: '2', rate: '2', flat_amount: '300', per_unit_total_amount: '0.04', total: '300.04' },
      ],
    });
  });

  it('unit amount is amount / units', () => {
    expect(price('graduated_percentage', VECTOR_7, usage('10')).unitAmount.toFixed()).toBe('20.01'); // 200.1 / 10
  });
});
