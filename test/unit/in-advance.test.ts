import { priceEventInAdvance } from '../../src/billing/in-advance';
import { parseChargeProperties } from '../../src/billing/charge-models';
import type { MetricDefinition } from '../../src/billing/aggregation';

const window = { fromMs: Date.parse('2027-01-01T00:00:00Z'), toMs: Date.parse('2027-01-31T23:59:59.999Z'), timezone: 'UTC', fullDays: 31 };
const metric = (aggregationType: MetricDefinition['aggregationType'], fieldName: string | null): MetricDefinition =>
  ({ aggregationType, fieldName, recurring: false, roundingFunction: null, roundingPrecision: null, weightedInterval: null });
const event = (transactionId: string, day: number, properties: Record<string, unknown> = {}) =>
  ({ transactionId, timestamp: Date.parse(`2027-01-${String(day).padStart(2, '0')}T12:00:00Z`), properties });

describe('pay-in-advance pricing: amount with the event minus amount without it', () => {
  it('prices each counted event at the standard unit price', () => {
    const price = priceEventInAdvance({
      model: 'standard', properties: parseChargeProperties('standard', { amount: '0.5' }), metric: metric('count_agg', null),
      events: [event('a', 2), event('b', 3), event('c', 4)], window, currency: 'USD',
    });
    // 3 × 0.5 − 2 × 0.5 = 0.50 → 50 cents.
    expect(price.units.toString()).toBe('1');
    expect(price.fee.amountCents).toBe(50n);
  });
  it('charges nothing for a user already counted in the period (unique count)', () => {
    const properties = parseChargeProperties('standard', { amount: '2' });
    const users = [event('a', 2, { user: 'u1' }), event('b', 3, { user: 'u2' }), event('c', 4, { user: 'u1' })];
    const third = priceEventInAdvance({ model: 'standard', properties, metric: metric('unique_count_agg', 'user'), events: users, window, currency: 'EUR' });
    expect(third.fee.amountCents).toBe(0n); // u1 again: 2 users before and after → 0
    const second = priceEventInAdvance({ model: 'standard', properties, metric: metric('unique_count_agg', 'user'), events: users.slice(0, 2), window, currency: 'EUR' });
    expect(second.fee.amountCents).toBe(200n); // u2 is new: 2 × 2 − 1 × 2 = 2.00 → 200
  });
  it('follows graduated tiers as the total grows (sum)', () => {
    const properties = parseChargeProperties('graduated', { graduated_ranges: [
      { from_value: 0, to_value: 10, per_unit_amount: '1', flat_amount: '0' },
      { from_value: 10, to_value: null, per_unit_amount: '0.5', flat_amount: '0' },
    ] });
    const events = [event('a', 2, { gb: 8 }), event('b', 3, { gb: 4 })];
    const price = priceEventInAdvance({ model: 'graduated', properties, metric: metric('sum_agg', 'gb'), events, window, currency: 'USD' });
    // before 8 → 8 × 1 = 8; after 12 → 10 × 1 + 2 × 0.5 = 11; the event costs 3.00 → 300.
    expect(price.fee.amountCents).toBe(300n);
  });
});
