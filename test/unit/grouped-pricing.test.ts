/**
 * Grouped pricing (pricing_group_keys) and the dynamic model in the pure core: groups of a window,
 * each aggregated and priced on its own. Every figure below is worked out by hand.
 */
import { aggregateGroups, groupsInWindow, type AggregationWindow, type MetricDefinition } from '../../src/billing/aggregation';
import { chargeFeeCents, groupKeysProblems, parseChargeProperties, presentationGroupKeysOf, priceCharge, pricingGroupKeysOf } from '../../src/billing/charge-models';
import { Dec, subunitToUnit } from '../../src/billing/money';
import type { UsageEvent } from '../../src/billing/types';

// January 2027 in UTC, D = 31.
const FROM = Date.parse('2027-01-01T00:00:00.000Z');
const TO = Date.parse('2027-01-31T23:59:59.999Z');
const window: AggregationWindow = { fromMs: FROM, toMs: TO, timezone: 'UTC', fullDays: 31 };
const HOUR = 3_600_000;

const sum: MetricDefinition = { aggregationType: 'sum_agg', fieldName: 'tokens', recurring: false, roundingFunction: null, roundingPrecision: null, weightedInterval: null };

let n = 0;
const ev = (hours: number, properties: Record<string, unknown>, preciseTotalAmountCents: string | null = null): UsageEvent => ({
  transactionId: `t${String(++n).padStart(3, '0')}`, timestamp: FROM + hours * HOUR, properties, preciseTotalAmountCents,
});

// Tokens by model and kind; graduated per group: [0–1000: 0.002/token], [1000–∞: 0.001/token], flat 1.00 on the first tier.
const GRADUATED = {
  graduated_ranges: [
    { from_value: 0, to_value: 1000, per_unit_amount: '0.002', flat_amount: '1' },
    { from_value: 1000, to_value: null, per_unit_amount: '0.001', flat_amount: '0' },
  ],
  pricing_group_keys: ['model', 'kind'],
};

const tokens: UsageEvent[] = [
  ev(1, { model: 'gpt-4', kind: 'input', tokens: 800 }),
  ev(2, { model: 'gpt-4', kind: 'input', tokens: 700 }), // gpt-4/input: 1500
  ev(3, { model: 'gpt-4', kind: 'output', tokens: 300 }), // gpt-4/output: 300
  ev(4, { model: 'mini', kind: 'input', tokens: 2500 }), // mini/input: 2500
  ev(5, { model: 'mini', tokens: 100 }), // mini/(no kind): 100, group kind null
  ev(-5, { model: 'gpt-4', kind: 'input', tokens: 9999 }), // before the window: not counted, no group
  ev(6, { model: 42, kind: true, tokens: 10 }), // numbers and booleans group by their text: 42/true
];

describe('pricing groups of a window', () => {
  it('are the distinct tuples of the window\'s events, missing keys null, in order (null first, then by code unit)', () => {
    expect(groupsInWindow(sum, tokens, window, {}, ['model', 'kind'])).toEqual([
      { model: '42', kind: 'true' },
      { model: 'gpt-4', kind: 'input' },
      { model: 'gpt-4', kind: 'output' },
      { model: 'mini', kind: null },
      { model: 'mini', kind: 'input' },
    ]);
  });

  it('each aggregate their own events only', () => {
    const units = aggregateGroups(sum, tokens, window, {}, ['model', 'kind']).map(({ group, result }) => [group, result.units.toString(), result.eventsCount]);
    expect(units).toEqual([
      [{ model: '42', kind: 'true' }, '10', 1],
      [{ model: 'gpt-4', kind: 'input' }, '1500', 2], // 800 + 700 (the 9999 is before the window)
      [{ model: 'gpt-4', kind: 'output' }, '300', 1],
      [{ model: 'mini', kind: null }, '100', 1],
      [{ model: 'mini', kind: 'input' }, '2500', 1],
    ]);
  });

  it('restart a graduated charge\'s tiers in every group', () => {
    const properties = parseChargeProperties('graduated', GRADUATED);
    const cents = aggregateGroups(sum, tokens, window, {}, pricingGroupKeysOf(GRADUATED)).map(({ result }) =>
      chargeFeeCents(priceCharge('graduated', properties, { units: result.units, eventsCount: result.eventsCount }), 'USD').amountCents);
    expect(cents).toEqual([
      102n, // 42/true: 10 × 0.002 + 1 = 1.02
      350n, // gpt-4/input: 1000 × 0.002 + 1 + 500 × 0.001 = 2 + 1 + 0.5 = 3.50
      160n, // gpt-4/output: 300 × 0.002 + 1 = 1.60
      120n, // mini/null: 100 × 0.002 + 1 = 1.20
      450n, // mini/input: 1000 × 0.002 + 1 + 1500 × 0.001 = 2 + 1 + 1.5 = 4.50
    ]);
    // Ungrouped, the same 4410 tokens would be 1000 × 0.002 + 1 + 3410 × 0.001 = 6.41: the groups bill
    // 1.02 + 3.50 + 1.60 + 1.20 + 4.50 = 11.82, each group starting from the first tier.
  });

  it('with a filter, are found among the events the filter takes', () => {
    expect(groupsInWindow(sum, tokens, window, { filter: { kind: ['input'] } }, ['model'])).toEqual([{ model: 'gpt-4' }, { model: 'mini' }]);
  });

  it('with no events in the window, are none', () => {
    expect(aggregateGroups(sum, [], window, {}, ['model'])).toEqual([]);
  });

  it('of a recurring metric, include groups seen before the window', () => {
    const recurring = { ...sum, recurring: true };
    expect(groupsInWindow(recurring, tokens, window, {}, ['model'])).toEqual([{ model: '42' }, { model: 'gpt-4' }, { model: 'mini' }]);
    // gpt-4 over all history up to the end: 9999 + 800 + 700 + 300 = 11799.
    expect(aggregateGroups(recurring, tokens, window, {}, ['model'])[1]!.result.units.toString()).toBe('11799');
  });
});

describe('group keys in charge properties', () => {
  it('read pricing_group_keys, else the deprecated grouped_by', () => {
    expect(pricingGroupKeysOf({ amount: '1', pricing_group_keys: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(pricingGroupKeysOf({ amount: '1', grouped_by: ['c'] })).toEqual(['c']);
    expect(pricingGroupKeysOf({ amount: '1', grouped_by: [] })).toEqual([]);
    expect(pricingGroupKeysOf({ amount: '1' })).toEqual([]);
  });

  it('refuse what is not a list of distinct names', () => {
    expect(groupKeysProblems({ pricing_group_keys: ['a', 'a'] })).toEqual([['pricing_group_keys', 'value_is_invalid']]);
    expect(groupKeysProblems({ grouped_by: 'a' })).toEqual([['grouped_by', 'value_is_invalid']]);
    expect(groupKeysProblems({ pricing_group_keys: [''] })).toEqual([['pricing_group_keys', 'value_is_invalid']]);
    expect(groupKeysProblems({ pricing_group_keys: ['a'], grouped_by: null })).toEqual([]);
    expect(groupKeysProblems({ presentation_group_keys: [{ value: 'region', options: { display_in_invoice: true } }] })).toEqual([]);
    expect(groupKeysProblems({ presentation_group_keys: ['region'] })).toEqual([['presentation_group_keys', 'value_is_invalid']]);
    expect(presentationGroupKeysOf({ presentation_group_keys: [{ value: 'region' }] })).toEqual([{ value: 'region', displayInInvoice: false }]);
  });
});

describe('dynamic charge model (reference §11 vector 9)', () => {
  it('bills the events\' precise_total_amount_cents: Σ 40.2 cents EUR over 20 units → 0.402, unit 0.0201', () => {
    const events = [ev(1, { tokens: 12 }, '30.2'), ev(2, { tokens: 8 }, '10'), ev(3, { other: 1 }, null)];
    const aggregated = aggregateGroups(sum, events.map((e) => ({ ...e, properties: { ...e.properties, g: 'x' } })), window, {}, ['g'])[0]!.result;
    expect(aggregated.units.toString()).toBe('20'); // 12 + 8 (the third has no tokens)
    expect(aggregated.preciseTotalAmountCents!.toString()).toBe('40.2'); // 30.2 + 10 + 0
    const result = priceCharge('dynamic', parseChargeProperties('dynamic', {}), {
      units: aggregated.units, eventsCount: aggregated.eventsCount, preciseTotalAmount: aggregated.preciseTotalAmountCents!.dividedBy(subunitToUnit('EUR')),
    });
    expect(result.amount.toString()).toBe('0.402'); // 40.2 / 100
    expect(result.unitAmount.toString()).toBe('0.0201'); // 0.402 / 20
    expect(chargeFeeCents(result, 'EUR').amountCents).toBe(40n); // 40.2 cents → 40
    expect(result.details).toEqual({ kind: 'dynamic', units: '20', precise_total_amount: '0.402' });
  });

  it('bills nothing without prices, and zero on negative units', () => {
    const model = parseChargeProperties('dynamic', {});
    expect(priceCharge('dynamic', model, { units: new Dec(5), eventsCount: 1 }).amount.toString()).toBe('0');
    expect(priceCharge('dynamic', model, { units: new Dec(-1), eventsCount: 1, preciseTotalAmount: new Dec(3) }).details.kind).toBe('zeroed');
  });
});
