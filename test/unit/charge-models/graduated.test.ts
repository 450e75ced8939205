import { chargeFeeCents } from '../../../src/billing/charge-models';
import { amountOf, d, decs, price, str, tier, usage } from './support';

// Reference §11 vector 1: integer-style ranges (from = previous to + 1).
const VECTOR_1 = {
  graduated_ranges: [tier(0, 10, '10', '2'), tier(11, 20, '5', '3'), tier(21, null, '5', '3')],
};

// Reference §11 vector 2: adjacent decimal ranges (from = previous to), no flats.
const VECTOR_2 = {
  graduated_ranges: [tier(0, '0.1', '10', '0'), tier('0.1', 1, '5', '0'), tier(1, null, '2', '0')],
};

// The hybrid-pricing walkthrough: monthly tracked users, first 10,000 free.
const HYBRID = {
  graduated_ranges: [tier(0, 10000, '0', '0'), tier(10001, 25000, '0.012', '0'), tier(25001, null, '0.01', '0')],
};

// Reference §11 vector 10: prorated graduated.
const PRORATED = { graduated_ranges: [tier(0, 5, '10', '100'), tier(6, null, '5', '50')] };

describe('graduated charge model', () => {
  it.each([
    ['0', '2'], // tier 1 is reached at 0 units: its flat 2 is due
    ['1', '12'], // 1×10 + 2
    ['10', '102'], // 10×10 + 2
    ['10.5', '107.5'], // 102 + 0.5×5 + 3: the gap (10, 11) belongs to tier 2
    ['11', '110'], // 102 + 1×5 + 3
    ['12', '115'], // 102 + 2×5 + 3
    ['20', '155'], // 102 + 10×5 + 3
    ['21', '163'], // 102 + 53 + 1×5 + 3
  ])('vector 1 (integer-style ranges): %s units → %s', (units, expected) => {
    expect(amountOf('graduated', VECTOR_1, usage(units))).toBe(expected);
  });

  it('vector 1: unit amount at 21 units is 163 / 21 = 7.76…', () => {
    expect(price('graduated', VECTOR_1, usage('21')).unitAmount.toDecimalPlaces(2).toFixed()).toBe('7.76');
  });

  it.each([
    ['0.05', '0.5'], // 0.05×10
    ['0.1', '1'], // 0.1×10, still tier 1
    ['0.5', '3'], // 0.1×10 + 0.4×5
    ['2', '7.5'], // 0.1×10 + 0.9×5 + 1×2
  ])('vector 2 (adjacent ranges): %s units → %s', (units, expected) => {
    expect(amountOf('graduated', VECTOR_2, usage(units))).toBe(expected);
  });

  it.each([
    ['30000', '230', 23000n], // 15,000×0.012 + 5,000×0.01 = 180 + 50
    ['2', '0', 0n], // inside the free 10,000
    ['10000', '0', 0n], // the last free unit
    ['10001', '0.012', 1n], // 1×0.012 → 1.2 cents → 1
    ['25000', '180', 18000n], // 15,000×0.012
  ])('hybrid walkthrough: %s tracked users → %s USD = %s cents', (units, expected, cents) => {
    const result = price('graduated', HYBRID, usage(units));
    expect(str(result.amount)).toBe(expected);
    expect(chargeFeeCents(result, 'USD').amountCents).toBe(cents);
  });

  it('details every reached tier', () => {
    expect(price('graduated', HYBRID, usage('30000')).details).toEqual({
      kind: 'graduated',
      graduated_ranges: [
        { from_value: '0', to_value: '10000', units: '10000', per_unit_amount: '0', flat_amount: '0', per_unit_total_amount: '0', total: '0' },
        { from_value: '10001', to_value: '25000', units: '15000', per_unit_amount: '0.012', flat_amount: '0', per_unit_total_amount: '180', total: '180' },
        { from_value: '25001', to_value: null, units: '5000', per_unit_amount: '0.01', flat_amount: '0', per_unit_total_amount: '50', total: '50' },
      ],
    });
  });

  it('lists only the first tier at zero units, with its flat', () => {
    expect(price('graduated', VECTOR_1, usage('0')).details).toEqual({
      kind: 'graduated',
      graduated_ranges: [
        { from_value: '0', to_value: '10', units: '0', per_unit_amount: '10', flat_amount: '2', per_unit_total_amount: '0', total: '2' },
      ],
    });
  });

  it('accepts a first range from 1 (integer style from an implicit 0)', () => {
    const props = { graduated_ranges: [tier(1, 10, '1', '0'), tier(11, null, '2', '0')] };
    expect(amountOf('graduated', props, usage('12'))).toBe('14'); // 10×1 + 2×2
  });

  it('bills negative units as zero, not the first flat', () => {
    expect(price('graduated', VECTOR_1, usage('-1')).details).toMatchObject({ kind: 'zeroed', reason: 'negative_units' });
  });
});

describe('prorated graduated charge model', () => {
  it('vector 10: per-unit part on prorated units in the tier of the full units, flats per reached tier', () => {
    // Full [5, 5, 10, −6] runs 0→5→10→20→14; prorated [3.5, 2.66667, 2, −2.2].
    // Tier 1 (0–5) holds event 1: 3.5 × 10 = 35.
    // Tier 2 (6–∞) holds the rest: (2.66667 + 2 − 2.2) × 5 = 2.46667 × 5 = 12.33335.
    // Both tiers reached by 14 full units: flats 100 + 50. Total 197.33335 (197.33 at 2 places).
    const result = price('graduated', PRORATED, {
      units: d('5.96667'),
      fullUnits: d('14'),
      eventValues: decs([5, 5, 10, -6]),
      proratedEventValues: decs(['3.5', '2.66667', '2', '-2.2']),
      eventsCount: 4,
    });
    expect(str(result.amount)).toBe('197.33335');
    expect(result.amount.toDecimalPlaces(2).toFixed()).toBe('197.33');
    expect(chargeFeeCents(result, 'USD').amountCents).toBe(19733n); // 19733.335 → 19733
    expect(result.details).toMatchObject({
      graduated_ranges: [
        { units: '3.5', flat_amount: '100', total: '135' },
        { units: '2.46667', flat_amount: '50', total: '62.33335' },
      ],
    });
  });

  it('vector 10: zero usage → the first flat, 100', () => {
    const zero = { units: d(0), eventValues: [], proratedEventValues: [], eventsCount: 0 };
    expect(amountOf('graduated', PRORATED, zero)).toBe('100');
  });

  it('spreads aggregate prorated units by the full units when no per-event values are given', () => {
    // Full 10 over half the period = 5 prorated units. Full units 0→10 cover 5 in each tier,
    // each scaled by 5/10: 2.5 × 10 + 2.5 × 5 + flats 100 + 50 = 25 + 12.5 + 150 = 187.5.
    expect(amountOf('graduated', PRORATED, usage('5', { fullUnits: d(10) }))).toBe('187.5');
  });

  it('charges a tier usage passed through even when the units end below it, without its flat', () => {
    // +8 for the whole period (prorated 8), then −6 for the second half (prorated −3).
    // Up 0→8: tier 1 gets 5, tier 2 gets 3. Down 8→2: (2, 5] is 3 of tier 1 and (5, 8] 3 of
    // tier 2, each −3 × 3/6 = −1.5. Tier 1: 3.5 × 10 = 35; tier 2: 1.5 × 5 = 7.5; only tier 1
    // reached (2 full units): flat 100. Total 142.5.
    const result = price('graduated', PRORATED, {
      units: d('5'),
      eventValues: decs([8, -6]),
      proratedEventValues: decs([8, -3]),
      eventsCount: 2,
    });
    expect(str(result.amount)).toBe('142.5');
    expect(result.details).toMatchObject({
      graduated_ranges: [
        { units: '3.5', flat_amount: '100', total: '135' },
        { units: '1.5', flat_amount: '0', total: '7.5' },
      ],
    });
  });

  it('bills a negative computed amount as zero', () => {
    // Full +10 (prorated 2) then −5 (prorated −1.5): tier 2 (0 per unit in tier 1, 10 in tier 2)
    // nets 2×5/10 − 1.5 = −0.5 units → −5; prorated units total 0.5 ≥ 0.
    const props = { graduated_ranges: [tier(0, 5, '0', '0'), tier(6, null, '10', '0')] };
    const result = price('graduated', props, {
      units: d('0.5'), eventValues: decs([10, -5]), proratedEventValues: decs([2, '-1.5']), eventsCount: 2,
    });
    expect(result.details).toEqual({ kind: 'zeroed', charge_model: 'graduated', reason: 'negative_amount' });
  });

  it('puts a zero-full event in the tier it happens in', () => {
    // Full 0→7 (prorated 7: 5 in tier 1, 2 in tier 2), then a 0-unit event with 1 prorated unit
    // at position 7 (tier 2): 5×10 + 3×5 + 100 + 50 = 215.
    expect(amountOf('graduated', PRORATED, {
      units: d(8), eventValues: decs([7, 0]), proratedEventValues: decs([7, 1]), eventsCount: 2,
    })).toBe('215');
  });

  it('refuses prorated values without matching full values', () => {
    expect(() => price('graduated', PRORATED, usage('1', { proratedEventValues: decs([1]) }))).toThrow(RangeError);
    expect(() =>
      price('graduated', PRORATED, usage('1', { eventValues: decs([1, 2]), proratedEventValues: decs([1]) })),
    ).toThrow(RangeError);
  });
});
