import { priceCharge } from '../../../src/billing/charge-models';
import { amountOf, d, price, str, tier, usage } from './support';

// Reference §11 vector 3.
const VECTOR_3 = {
  volume_ranges: [tier(0, 100, '2', '10'), tier(101, 200, '1', '0'), tier(201, null, '0.5', '50')],
};

describe('volume charge model', () => {
  it.each([
    ['0', '10'], // tier 1 at 0 units: 0×2 + 10
    ['1', '12'], // 1×2 + 10
    ['100', '210'], // 100×2 + 10
    ['100.5', '100.5'], // tier 2 (100 < 100.5 ≤ 200): 100.5×1 + 0
    ['101', '101'], // 101×1
    ['200', '200'], // 200×1
    ['300', '200'], // tier 3: 300×0.5 + 50
  ])('vector 3: %s units → %s', (units, expected) => {
    expect(amountOf('volume', VECTOR_3, usage(units))).toBe(expected);
  });

  it('vector 3 prorated: tier by full units (300 → tier 3), per-unit on prorated 198.6 → 149.3', () => {
    // 198.6 × 0.5 + 50 = 99.3 + 50
    const result = price('volume', VECTOR_3, usage('198.6', { fullUnits: d(300) }));
    expect(str(result.amount)).toBe('149.3');
    expect(result.details).toEqual({
      kind: 'volume',
      from_value: '201',
      to_value: null,
      units: '198.6',
      flat_unit_amount: '50',
      per_unit_amount: '0.5',
      per_unit_total_amount: '99.3',
    });
  });

  it('works with adjacent ranges too', () => {
    const props = { volume_ranges: [tier(0, 100, '2', '0'), tier(100, null, '1', '0')] };
    expect(amountOf('volume', props, usage('100'))).toBe('200'); // tier 1: 100×2
    expect(amountOf('volume', props, usage('100.5'))).toBe('100.5'); // tier 2: 100.5×1
  });

  it('unit amount is amount / units', () => {
    expect(price('volume', VECTOR_3, usage('100')).unitAmount.toFixed()).toBe('2.1'); // 210 / 100
    expect(price('volume', VECTOR_3, usage('0')).unitAmount.toFixed()).toBe('0');
  });

  it('bills negative full units as zero', () => {
    expect(price('volume', VECTOR_3, usage('1', { fullUnits: d(-1) })).details).toMatchObject({ kind: 'zeroed' });
  });
});

describe('volume with hand-built properties', () => {
  it('refuses properties without any range (parse never produces them)', () => {
    expect(() => priceCharge('volume', { volumeRanges: [] }, usage('1'))).toThrow(RangeError);
  });
});
