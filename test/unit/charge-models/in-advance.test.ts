import { parseChargeProperties, priceInAdvanceEvent } from '../../../src/billing/charge-models';
import { d, decs, str, tier, usage } from './support';

const GRADUATED = parseChargeProperties('graduated', {
  graduated_ranges: [tier(0, 10, '10', '2'), tier(11, 20, '5', '3'), tier(21, null, '5', '3')],
});

describe('pay-in-advance pricing: amount(with the event) − amount(without it)', () => {
  it('standard: one more unit costs the unit price', () => {
    const result = priceInAdvanceEvent('standard', { amount: d(5) }, usage('2', { eventsCount: 2 }), usage('3', { eventsCount: 3 }));
    expect(str(result.amount)).toBe('5'); // 3×5 − 2×5
    expect(str(result.unitAmount)).toBe('5'); // 5 / 1 unit
  });

  it('graduated: crossing into tier 2 pays its unit and its flat', () => {
    const result = priceInAdvanceEvent('graduated', GRADUATED, usage('10', { eventsCount: 10 }), usage('11', { eventsCount: 11 }));
    expect(str(result.amount)).toBe('8'); // 110 − 102 = 1×5 + 3
    expect(result.details).toMatchObject({ kind: 'graduated' });
  });

  it('graduated: the first event also pays the first flat (nothing was billed before it)', () => {
    const result = priceInAdvanceEvent('graduated', GRADUATED, usage('0', { eventsCount: 0 }), usage('1', { eventsCount: 1 }));
    expect(str(result.amount)).toBe('12'); // (1×10 + 2) − 0
  });

  it('graduated: units carried over from earlier periods are priced before the first event', () => {
    // A recurring metric starts the period at 10 units with no event yet: 110 − 102 = 8.
    const result = priceInAdvanceEvent('graduated', GRADUATED, usage('10', { eventsCount: 0 }), usage('11', { eventsCount: 1 }));
    expect(str(result.amount)).toBe('8');
  });

  it('percentage with min/max: each event pays its own clamped fee', () => {
    const props = parseChargeProperties('percentage', { rate: '2.99', per_transaction_min_amount: '1.75', per_transaction_max_amount: '12' });
    const before = usage('90', { eventValues: decs([10, 80]), eventsCount: 2 });
    const after = usage('10090', { eventValues: decs([10, 80, 10000]), eventsCount: 3 });
    expect(str(priceInAdvanceEvent('percentage', props, before, after).amount)).toBe('12'); // 299 → 12
  });

  it('a removal never yields a negative fee', () => {
    const result = priceInAdvanceEvent('standard', { amount: d(5) }, usage('3', { eventsCount: 1 }), usage('1', { eventsCount: 2 }));
    expect(result.amount.isZero()).toBe(true);
    expect(result.unitAmount.isZero()).toBe(true);
  });

  it('refuses volume, which cannot be paid in advance', () => {
    const props = parseChargeProperties('volume', { volume_ranges: [tier(0, null, '1', '0')] });
    expect(() => priceInAdvanceEvent('volume', props, usage('0'), usage('1'))).toThrow(RangeError);
  });
});
