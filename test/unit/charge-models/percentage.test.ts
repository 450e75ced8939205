import { amountOf, d, decs, price, usage } from './support';

// Reference §11 vector 5: 4 events worth [50, 100, 250, 400] (running totals 50, 150, 400, 800).
const V5_EVENTS = usage('800', { eventValues: decs([50, 100, 250, 400]), eventsCount: 4 });

// Reference §11 vector 6: 3 transactions [10, 80, 10000] at 2.99 %, each fee within [1.75, 12].
const V6_EVENTS = usage('10090', { eventValues: decs([10, 80, 10000]), eventsCount: 3 });
const V6 = { rate: '2.99', per_transaction_min_amount: '1.75', per_transaction_max_amount: '12' };

describe('percentage charge model', () => {
  it.each([
    [
      'free per events 3 and per total 250',
      { rate: '1.3', fixed_amount: '2.0', free_units_per_events: 3, free_units_per_total_aggregation: '250.0' },
      // free = min(50+100+250, 250) = 250; events 1–2 wholly free (50, 150 ≤ 250):
      // (800 − 250) × 1.3 % + (4 − 2) × 2 = 7.15 + 4
      '11.15',
    ],
    [
      'free per events 3 only',
      { rate: '1.3', fixed_amount: '2.0', free_units_per_events: 3 },
      '7.2', // free = 50+100+250 = 400: 400 × 1.3 % + 1 × 2 = 5.2 + 2
    ],
    ['no free units', { rate: '1.3', fixed_amount: '2.0' }, '18.4'], // 800 × 1.3 % + 4 × 2 = 10.4 + 8
    ['rate 0', { rate: '0', fixed_amount: '2.0' }, '8'], // 0 + 4 × 2
    [
      'free per total 250 only',
      { rate: '1.3', fixed_amount: '2.0', free_units_per_total_aggregation: '250.0' },
      '11.15', // same allowance as the first row: 550 × 1.3 % + 2 × 2
    ],
  ])('vector 5, %s', (_name, props, expected) => {
    expect(amountOf('percentage', props, V5_EVENTS)).toBe(expected);
  });

  it('vector 5: rate 2.9 on 4 units, nothing else → 0.116', () => {
    expect(amountOf('percentage', { rate: '2.9' }, usage('4'))).toBe('0.116'); // 4 × 2.9 %
  });

  it.each([
    ['min/max', V6, '16.142'], // 0.299 → 1.75; 2.392; 299 → 12: 1.75 + 2.392 + 12
    ['min/max with fixed 2.0', { ...V6, fixed_amount: '2.0' }, '18.691'], // 2.299 + 4.392 + (301 → 12)
    ['min/max, 2 free events', { ...V6, free_units_per_events: 2 }, '12'], // 0 + 0 + (299 → 12)
    ['min/max, 30 free units', { ...V6, free_units_per_total_aggregation: '30' }, '13.794'], // 0 + (80 − 20) × 2.99 % + 12
    [
      'min/max, 3 free events capped at 10000 units',
      { ...V6, free_units_per_events: 3, free_units_per_total_aggregation: '10000' },
      '2.691', // 10, 80 free; 10000 − 9910 = 90 paid: 90 × 2.99 %
    ],
    ['no min/max', { rate: '2.99' }, '301.691'], // 10090 × 2.99 % (Lago's non-premium figure)
  ])('vector 6, %s → %s', (_name, props, expected) => {
    expect(amountOf('percentage', props, V6_EVENTS)).toBe(expected);
  });

  it('details the allowance, fixed fees and the min/max adjustment', () => {
    // Unclamped 10090 × 2.99 % = 301.691; clamped 16.142; adjustment 16.142 − 301.691 = −285.549.
    expect(price('percentage', V6, V6_EVENTS).details).toEqual({
      kind: 'percentage',
      units: '10090',
      free_units: '0',
      paid_units: '10090',
      free_events: 0,
      paid_events: 3,
      rate: '2.99',
      fixed_fee_unit_amount: '0',
      fixed_fee_total_amount: '0',
      per_unit_total_amount: '301.691',
      per_transaction_min_amount: '1.75',
      per_transaction_max_amount: '12',
      min_max_adjustment_total_amount: '-285.549',
    });
  });

  it('details vector 5 with both allowances', () => {
    const props = { rate: '1.3', fixed_amount: '2.0', free_units_per_events: 3, free_units_per_total_aggregation: '250.0' };
    expect(price('percentage', props, V5_EVENTS).details).toMatchObject({
      free_units: '250', paid_units: '550', free_events: 2, paid_events: 2,
      fixed_fee_total_amount: '4', per_unit_total_amount: '7.15', min_max_adjustment_total_amount: '0',
      per_transaction_min_amount: null, per_transaction_max_amount: null,
    });
  });

  it('applies only a minimum when only a minimum is set', () => {
    // 0.299 → 1.75; 2.392; 299 stays
    expect(amountOf('percentage', { rate: '2.99', per_transaction_min_amount: '1.75' }, V6_EVENTS)).toBe('303.142');
  });

  it('treats blank min/max as absent', () => {
    const props = { rate: '2.99', per_transaction_min_amount: '', per_transaction_max_amount: null };
    expect(amountOf('percentage', props, V6_EVENTS)).toBe('301.691');
  });

  it('without per-event values, applies only the total cap and charges every fixed fee', () => {
    // free = min(800, 250) = 250: 550 × 1.3 % + 4 × 2 = 7.15 + 8
    const props = { rate: '1.3', fixed_amount: '2', free_units_per_events: 3, free_units_per_total_aggregation: '250' };
    expect(amountOf('percentage', props, usage('800', { eventsCount: 4 }))).toBe('15.15');
    // min/max cannot be applied per transaction without them: 800 × 1.3 %
    expect(amountOf('percentage', { rate: '1.3', per_transaction_max_amount: '1' }, usage('800'))).toBe('10.4');
  });

  it('unit amount is amount / units', () => {
    expect(price('percentage', { rate: '2.9' }, usage('4')).unitAmount.toFixed()).toBe('0.029'); // 0.116 / 4
  });

  it('free units never exceed the usage', () => {
    // cap 1000 > 800 used: all free, fixed fees waived for all 4 events
    const props = { rate: '1.3', fixed_amount: '2', free_units_per_total_aggregation: '1000' };
    const result = price('percentage', props, V5_EVENTS);
    expect(result.amount.isZero()).toBe(true);
    expect(result.details).toMatchObject({ free_units: '800', free_events: 4, paid_events: 0 });
    expect(amountOf('percentage', props, usage('800', { eventsCount: 4 }))).toBe('8'); // aggregate: 0 + 4 × 2
  });

  it('ignores negative event values for the free allowance', () => {
    // Cap 40: −10 consumes none of it, 30 is free, then 10 of the 50.
    // Paid: (70 − 40) × 10 % = 3.
    const props = { rate: '10', free_units_per_total_aggregation: '40' };
    expect(amountOf('percentage', props, usage('70', { eventValues: decs([-10, 30, 50]), eventsCount: 3 }))).toBe('3');
  });

  it('accepts a zero fixed amount and a zero cap', () => {
    const props = { rate: '10', fixed_amount: '0', free_units_per_total_aggregation: '0' };
    expect(amountOf('percentage', props, usage('5', { eventValues: [d(5)] }))).toBe('0.5');
  });
});
