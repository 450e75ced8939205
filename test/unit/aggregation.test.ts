import fc from 'fast-check';
import { aggregate, applyRounding, proratedEventUnits, proratedUnits } from '../../src/billing/aggregation';
import type { AggregationWindow, MetricDefinition } from '../../src/billing/aggregation';
import { Dec } from '../../src/billing/money';
import type { AggregationType, UsageEvent } from '../../src/billing/types';

const utc = (iso: string): number => Date.parse(iso.length === 10 ? `${iso}T00:00:00.000Z` : iso);

/** A period of whole days [first 00:00, last 23:59:59.999] in UTC, D = its length unless given. */
function period(first: string, last: string, fullDays?: number, timezone = 'UTC'): AggregationWindow {
  const fromMs = utc(first);
  const toMs = utc(last) + 86_400_000 - 1;
  return { fromMs, toMs, timezone, fullDays: fullDays ?? Math.round((toMs + 1 - fromMs) / 86_400_000) };
}

function metric(aggregationType: AggregationType, over: Partial<MetricDefinition> = {}): MetricDefinition {
  return {
    aggregationType,
    fieldName: aggregationType === 'count_agg' ? null : 'value',
    recurring: false,
    roundingFunction: null,
    roundingPrecision: null,
    weightedInterval: null,
    ...over,
  };
}

let seq = 0;
function ev(at: string, properties: Record<string, unknown> = {}, transactionId?: string): UsageEvent {
  seq += 1;
  return { transactionId: transactionId ?? `tx-${String(seq).padStart(5, '0')}`, timestamp: utc(at), properties };
}
const add = (at: string, id: string): UsageEvent => ev(at, { seat_id: id, operation_type: 'add' });
const remove = (at: string, id: string): UsageEvent => ev(at, { seat_id: id, operation_type: 'remove' });
const seats = (over: Partial<MetricDefinition> = {}) =>
  metric('unique_count_agg', { fieldName: 'seat_id', recurring: true, ...over });

const str = (d: Dec) => d.toString();

describe('aggregate: simple types', () => {
  const may = period('2023-05-01', '2023-05-31');
  const events = [
    ev('2023-04-30T23:59:59.999Z', { value: 100 }), // before the window
    ev('2023-05-01', { value: '2.5' }),
    ev('2023-05-10T12:00:00Z', { value: -4 }),
    ev('2023-05-20', { value: 'abc' }), // not numeric: ignored by numeric aggregations
    ev('2023-05-21', { other: 1 }), // field missing
    ev('2023-05-31T23:59:59.999Z', { value: 7 }), // last instant: inside
    ev('2023-06-01', { value: 1000 }), // after the window
  ];

  it.each([
    // count: the 5 events of May, whatever their properties
    ['count_agg', '5', 5],
    // sum: 2.5 − 4 + 7 = 5.5 (negative values allowed)
    ['sum_agg', '5.5', 3],
    // max: max(2.5, −4, 7) = 7
    ['max_agg', '7', 3],
    // latest: the last numeric event by time, 7
    ['latest_agg', '7', 3],
  ] as const)('%s → %s', (type, units, count) => {
    const result = aggregate(metric(type), events, may);
    expect(str(result.units)).toBe(units);
    expect(result.eventsCount).toBe(count);
  });

  it('gives per-event values in timestamp order (for percentage charges)', () => {
    const shuffled = [events[5]!, events[2]!, events[1]!];
    expect(aggregate(metric('sum_agg'), shuffled, may).eventValues.map(str)).toEqual(['2.5', '-4', '7']);
    expect(aggregate(metric('count_agg'), shuffled, may).eventValues.map(str)).toEqual(['1', '1', '1']);
  });

  it('gives 0 without events', () => {
    for (const type of ['count_agg', 'sum_agg', 'max_agg', 'latest_agg', 'unique_count_agg', 'weighted_sum_agg'] as const) {
      expect(str(aggregate(metric(type), [], may).units)).toBe('0');
    }
  });

  it('max keeps a negative maximum; latest floors a negative last value at 0', () => {
    const negatives = [ev('2023-05-02', { value: -3 }), ev('2023-05-03', { value: -1 })];
    expect(str(aggregate(metric('max_agg'), negatives, may).units)).toBe('-1');
    expect(str(aggregate(metric('latest_agg'), negatives, may).units)).toBe('0');
  });

  it('latest breaks timestamp ties by transaction id', () => {
    const tie = [ev('2023-05-02', { value: 9 }, 'b'), ev('2023-05-02', { value: 3 }, 'a')];
    expect(str(aggregate(metric('latest_agg'), tie, may).units)).toBe('9');
  });

  it('accepts numeric strings and numbers, rejects exponent strings, booleans and blanks', () => {
    const mixed = [
      ev('2023-05-02', { value: '0.1' }),
      ev('2023-05-02', { value: 0.2 }),
      ev('2023-05-02', { value: '1e3' }),
      ev('2023-05-02', { value: true }),
      ev('2023-05-02', { value: ' 4' }),
      ev('2023-05-02', { value: null }),
    ];
    // 0.1 + 0.2 exactly 0.3 (decimals, not floats)
    expect(str(aggregate(metric('sum_agg'), mixed, may).units)).toBe('0.3');
  });

  it('drops the lower bound for a recurring sum (running balance of all history)', () => {
    // 100 (April) + 2.5 − 4 + 7 = 105.5
    expect(str(aggregate(metric('sum_agg', { recurring: true }), events, may).units)).toBe('105.5');
  });

  it('refuses recurring count, max and latest, and numeric types without a field', () => {
    for (const type of ['count_agg', 'max_agg', 'latest_agg'] as const) {
      expect(() => aggregate(metric(type, { recurring: true }), [], may)).toThrow(/cannot be recurring/);
    }
    expect(() => aggregate(metric('sum_agg', { fieldName: null }), [], may)).toThrow(/field_name/);
    expect(() => aggregate(metric('unique_count_agg', { fieldName: '' }), [], may)).toThrow(/field_name/);
  });

  it('refuses invalid windows', () => {
    expect(() => aggregate(metric('count_agg'), [], { ...may, toMs: may.fromMs - 1 })).toThrow(RangeError);
    expect(() => aggregate(metric('count_agg'), [], { ...may, fullDays: 0 })).toThrow(RangeError);
    expect(() => aggregate(metric('count_agg'), [], { ...may, fullDays: 30.5 })).toThrow(RangeError);
    expect(() => aggregate(metric('count_agg'), [], { ...may, fromMs: 0.5 })).toThrow(RangeError);
  });
});

describe('aggregate: filters', () => {
  const may = period('2023-05-01', '2023-05-31');
  const events = [
    ev('2023-05-02', { value: 1, region: 'eu', tier: 'gold' }),
    ev('2023-05-03', { value: 10, region: 'us', tier: 'gold' }),
    ev('2023-05-04', { value: 100, region: 'eu', tier: 'silver' }),
    ev('2023-05-05', { value: 1000, region: 'apac' }),
    ev('2023-05-06', { value: 10000, region: { nested: true } }),
    ev('2023-05-07', { value: 100000, region: 42 }),
  ];
  it('keeps events whose properties[key] ∈ values for every key', () => {
    // eu: 1 + 100
    expect(str(aggregate(metric('sum_agg'), events, may, { filter: { region: ['eu'] } }).units)).toBe('101');
    // eu or us, and gold: 1 + 10
    expect(str(aggregate(metric('sum_agg'), events, may, { filter: { region: ['eu', 'us'], tier: ['gold'] } }).units)).toBe(
      '11',
    );
    // numbers compare as their text
    expect(str(aggregate(metric('sum_agg'), events, may, { filter: { region: ['42'] } }).units)).toBe('100000');
  });
  it('leaves out events matching ignored filters (a charge default bucket)', () => {
    // everything but eu and us: 1000 + 10000 + 100000
    const result = aggregate(metric('sum_agg'), events, may, { ignoredFilters: [{ region: ['eu'] }, { region: ['us'] }] });
    expect(str(result.units)).toBe('111000');
  });
});

describe('aggregate: unique count with add/remove', () => {
  const feb = period('2027-02-01', '2027-02-28');
  const field = { fieldName: 'seat_id' };
  it('hybrid walkthrough: t1 u1, t2 u2, t3 u1, t1 again → 2 distinct users', () => {
    const t1 = ev('2027-01-20', { user_id: 'u1' }, 't1');
    const events = [t1, ev('2027-01-21', { user_id: 'u2' }, 't2'), ev('2027-01-22', { user_id: 'u1' }, 't3'), t1];
    const result = aggregate(metric('unique_count_agg', { fieldName: 'user_id' }), events, period('2027-01-19', '2027-02-18'));
    expect(str(result.units)).toBe('2');
  });
  it('collapses consecutive same-type operations and ignores a remove without add', () => {
    const events = [
      add('2027-02-02', 'a'),
      add('2027-02-03', 'a'), // add after add: nothing
      remove('2027-02-04', 'b'), // remove without add: nothing
      add('2027-02-05', 'b'),
      remove('2027-02-06', 'a'),
      remove('2027-02-07', 'a'), // remove after remove: nothing
      ev('2027-02-08', { seat_id: 'c' }), // no operation_type means add
      ev('2027-02-09', { operation_type: 'add' }), // no value: ignored
    ];
    // active at the end: b, c
    const result = aggregate(metric('unique_count_agg', field), events, feb);
    expect(str(result.units)).toBe('2');
    expect(result.eventsCount).toBe(7);
    expect(result.eventValues).toEqual([]);
  });
  it('non-recurring: a seat added before the window and removed inside it counts 0', () => {
    const events = [add('2027-01-10', 'a'), remove('2027-02-10', 'a'), add('2027-01-11', 'b')];
    expect(str(aggregate(metric('unique_count_agg', field), events, feb).units)).toBe('0');
    // recurring: all history, b still active → 1
    expect(str(aggregate(metric('unique_count_agg', { ...field, recurring: true }), events, feb).units)).toBe('1');
  });
  it('property: units are never negative and never exceed the number of distinct values', () => {
    const op = fc.record({
      day: fc.integer({ min: 1, max: 28 }),
      seat: fc.constantFrom('a', 'b', 'c', 'd'),
      remove: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.boolean(), (ops, recurring) => {
        const events = ops.map((o, i) =>
          ev(`2027-02-${String(o.day).padStart(2, '0')}`, { seat_id: o.seat, operation_type: o.remove ? 'remove' : 'add' }, `t${i}`),
        );
        const units = aggregate(metric('unique_count_agg', { ...field, recurring }), events, feb).units;
        const distinct = new Set(ops.map((o) => o.seat)).size;
        return units.gte(0) && units.lte(distinct) && units.isInteger();
      }),
    );
  });
});

describe('aggregate: weighted sum', () => {
  it('vector 13: a single +1000 at the start of August 2023 → 1000', () => {
    // 1000 × 31 days / 31 days
    const result = aggregate(metric('weighted_sum_agg'), [ev('2023-08-01', { value: 1000 })], period('2023-08-01', '2023-08-31'));
    expect(str(result.units)).toBe('1000');
  });
  it('weights each level by the time it lasted', () => {
    // April (D = 30): 0 for 15 days, then 10 for 10 days, then 4 for 5 days → (100 + 20)/30 = 4
    const events = [ev('2023-04-16', { value: 10 }), ev('2023-04-26', { value: -6 })];
    expect(str(aggregate(metric('weighted_sum_agg'), events, period('2023-04-01', '2023-04-30')).units)).toBe('4');
  });
  it('starts a recurring metric from the previous total, a non-recurring one from 0', () => {
    // previous total 4; −4 after 15 of 30 days → 4 × 15/30 = 2
    const events = [ev('2023-03-10', { value: 4 }), ev('2023-04-16', { value: -4 })];
    const april = period('2023-04-01', '2023-04-30');
    expect(str(aggregate(metric('weighted_sum_agg', { recurring: true }), events, april).units)).toBe('2');
    // non-recurring: 0 for 15 days, −4 for 15 days → −2
    expect(str(aggregate(metric('weighted_sum_agg'), events, april).units)).toBe('-2');
  });
  it('divides by the full period D when the window is shorter (a mid-period start)', () => {
    // window April 16–30 of a 30-day period, level 3 for 15 days → 3 × 15/30 = 1.5
    const window = period('2023-04-16', '2023-04-30', 30);
    expect(str(aggregate(metric('weighted_sum_agg'), [ev('2023-04-16', { value: 3 })], window).units)).toBe('1.5');
  });
  it('rejects an unknown weighted interval', () => {
    const bad = metric('weighted_sum_agg', { weightedInterval: 'hours' as unknown as 'seconds' });
    expect(() => aggregate(bad, [], period('2023-04-01', '2023-04-30'))).toThrow(/weighted_interval/);
  });
});

describe('rounding_function', () => {
  it.each([
    // value, function, precision → result
    ['2.345', 'round', 2, '2.35'], // half away from zero
    ['-2.345', 'round', 2, '-2.35'],
    ['2.341', 'ceil', 2, '2.35'],
    ['-2.349', 'ceil', 2, '-2.34'], // towards +∞
    ['2.349', 'floor', 2, '2.34'],
    ['-2.341', 'floor', 2, '-2.35'], // towards −∞
    ['2.5', 'round', null, '3'], // precision null = 0
    ['1234', 'round', -2, '1200'], // negative precision: hundreds
    ['1250', 'round', -2, '1300'],
    ['1201', 'ceil', -2, '1300'],
  ] as const)('%s %s(%s) → %s', (value, fn, precision, expected) => {
    expect(str(applyRounding(new Dec(value), { roundingFunction: fn, roundingPrecision: precision }))).toBe(expected);
  });
  it('leaves units alone without a function and rejects fractional precision', () => {
    expect(str(applyRounding(new Dec('2.345'), { roundingFunction: null, roundingPrecision: 1 }))).toBe('2.345');
    expect(() => applyRounding(new Dec(1), { roundingFunction: 'round', roundingPrecision: 0.5 })).toThrow(RangeError);
  });
  it('is applied to aggregated units', () => {
    const events = [ev('2023-05-02', { value: '1.26' }), ev('2023-05-03', { value: '1.01' })];
    // 2.27 ceil(1) → 2.3
    const m = metric('sum_agg', { roundingFunction: 'ceil', roundingPrecision: 1 });
    expect(str(aggregate(m, events, period('2023-05-01', '2023-05-31')).units)).toBe('2.3');
  });
});

describe('proratedUnits: sum', () => {
  it('vector 11: 2 × 2.5 before May 2023 + 2 × 12 on May 26 → 9.64517 (fee units 29)', () => {
    const events = [
      ev('2023-04-10', { value: '2.5' }),
      ev('2023-04-20', { value: '2.5' }),
      ev('2023-05-26T08:00:00Z', { value: 12 }),
      ev('2023-05-26T17:00:00Z', { value: 12 }),
    ];
    // persisted 5 × 31/31 = 5; each 12 × (31 − 26 + 1)/31 = 12 × 6/31
    // 5 + 144/31 = 299/31 = 9.645161… → ceil5 9.64517; full 5 + 24 = 29
    const result = proratedUnits(metric('sum_agg', { recurring: true }), events, period('2023-05-01', '2023-05-31'));
    expect(str(result.units)).toBe('9.64517');
    expect(str(result.fullUnits)).toBe('29');
    expect(result.breakdown.map((l) => [l.value, l.daysBilled])).toEqual([
      ['persisted', 31],
      [events[2]!.transactionId, 6],
      [events[3]!.transactionId, 6],
    ]);
  });
  it('does not bill the removal day: +1 on day 10, −1 on day 20 → 10 days', () => {
    // June (D = 30): +1 × (30 − 10 + 1) − 1 × (30 − 20 + 1) = 21 − 11 = 10 → 10/30 = 0.333333… → 0.33334
    const events = [ev('2023-06-10', { value: 1 }), ev('2023-06-20', { value: -1 })];
    const result = proratedUnits(metric('sum_agg', { recurring: true }), events, period('2023-06-01', '2023-06-30'));
    expect(str(result.units)).toBe('0.33334');
    expect(str(result.fullUnits)).toBe('0');
  });
  it('bills a negative balance as 0', () => {
    const events = [ev('2023-06-10', { value: -1 })];
    expect(str(proratedUnits(metric('sum_agg', { recurring: true }), events, period('2023-06-01', '2023-06-30')).units)).toBe('0');
  });
  it('truncates at termination, one day less on an upgrade', () => {
    const events = [ev('2023-05-15', { value: 3 }), ev('2023-06-05', { value: 6 })];
    const m = metric('sum_agg', { recurring: true });
    const june = period('2023-06-01', '2023-06-30');
    // terminated 06-11 14:00: P = 11 → 3 × 11/30 + 6 × (11 − 5 + 1)/30 = (33 + 42)/30 = 2.5
    const terminated = proratedUnits(m, events, june, { terminatedAtMs: utc('2023-06-11T14:00:00Z') });
    expect(str(terminated.units)).toBe('2.5');
    // upgraded 06-11: last billed day 06-10 → (3 × 10 + 6 × 6)/30 = 66/30 = 2.2
    const upgraded = proratedUnits(m, events, june, { terminatedAtMs: utc('2023-06-11T14:00:00Z'), upgraded: true });
    expect(str(upgraded.units)).toBe('2.2');
    expect(str(upgraded.fullUnits)).toBe('9');
    // events after the termination are not counted
    const later = proratedUnits(m, [...events, ev('2023-06-20', { value: 100 })], june, {
      terminatedAtMs: utc('2023-06-11T14:00:00Z'),
    });
    expect(str(later.units)).toBe('2.5');
  });
});

describe('proratedUnits: unique count (seats)', () => {
  // vector 12: period 2022-07-09 … 2022-08-08, D = 31
  const window = period('2022-07-09', '2022-08-08');
  expect(window.fullDays).toBe(31);
  const m = seats();

  it.each([
    // persisted (added before the period) + one added on day 11 (07-19): 1 + (08-08 − 07-19 + 1)/31 = 1 + 21/31 → 1.67742
    ['persisted + added on day 11', [add('2022-06-01', 'p'), add('2022-07-19T10:00:00Z', 'n')], {}, '1.67742', '2'],
    // persisted removed on 07-24: 07-09 … 07-24 = 16 days (removal day billed) → 16/31 = 0.516129… → 0.51613
    ['persisted removed 07-24', [add('2022-06-01', 'p'), remove('2022-07-24T10:00:00Z', 'p')], {}, '0.51613', '0'],
    // added 07-10 removed 08-07: 22 days of July + 7 of August = 29 → 29/31 = 0.935483… → 0.93549
    ['added 07-10, removed 08-07', [add('2022-07-10', 's'), remove('2022-08-07', 's')], {}, '0.93549', '0'],
    // persisted, subscription terminated 07-24: 16 days → 0.51613
    ['terminated 07-24', [add('2022-06-01', 'p')], { terminatedAtMs: utc('2022-07-24T12:00:00Z') }, '0.51613', '1'],
    // added on the first day: 31/31
    ['added on the first day', [add('2022-07-09T05:00:00Z', 's')], {}, '1', '1'],
    // persisted, removed and added again on 08-08: each stretch bills its own days, so 08-08 twice
    // (Lago: each add counts to its next operation, both ends included): 31 + 1 = 32 → 32/31 = 1.032258… → 1.03226
    ['removed and re-added the same day', [add('2022-06-20', 'a'), remove('2022-08-08T10:00:00Z', 'a'), add('2022-08-08T11:00:00Z', 'a')], {}, '1.03226', '1'],
  ] as const)('vector 12: %s → %s', (_name, events, opts, units, full) => {
    const result = proratedUnits(m, [...events], window, opts);
    expect(str(result.units)).toBe(units);
    expect(str(result.fullUnits)).toBe(full);
  });

  it('fair-seats walkthrough, period 1: 63/31 → 2.03226, 2 seats shown, 8.25 € × units → 1677 cents', () => {
    const events = [
      add('2027-01-19T09:00:00Z', 'seat_1'),
      add('2027-02-03T09:00:00Z', 'seat_2'),
      add('2027-01-19T09:05:00Z', 'seat_3'),
      remove('2027-02-03T17:00:00Z', 'seat_3'),
    ];
    const p1 = period('2027-01-19', '2027-02-18');
    expect(p1.fullDays).toBe(31);
    const result = proratedUnits(m, events, p1);
    // seat_1 31 + seat_2 (02-03 … 02-18) 16 + seat_3 (01-19 … 02-03) 16 = 63 → 63/31 = 2.032258… → 2.03226
    expect(str(result.units)).toBe('2.03226');
    expect(str(result.fullUnits)).toBe('2');
    expect(result.breakdown).toEqual([
      expect.objectContaining({ value: 'seat_1', addedOn: '2027-01-19', removedOn: null, daysBilled: 31 }),
      expect.objectContaining({ value: 'seat_3', addedOn: '2027-01-19', removedOn: '2027-02-03', daysBilled: 16 }),
      expect.objectContaining({ value: 'seat_2', addedOn: '2027-02-03', removedOn: null, daysBilled: 16 }),
    ]);
    // priced on the ceiled units (as Lago): 8.25 × 2.03226 = 16.766145 € → 1677 cents;
    // the exact fraction 8.25 × 63/31 = 16.766129… would also give 1677
    expect(result.units.times('8.25').times(100).toDecimalPlaces(0).toString()).toBe('1677');

    // period 2: 2027-02-19 … 2027-03-18 (D = 28), no new event: seat_1 and seat_2 all 28 days → 56/28 = 2 → 2 × 825 = 1650
    const p2 = period('2027-02-19', '2027-03-18');
    expect(p2.fullDays).toBe(28);
    const second = proratedUnits(m, events, p2);
    expect(str(second.units)).toBe('2');
    expect(second.breakdown.map((l) => [l.value, l.daysBilled])).toEqual([
      ['seat_1', 28],
      ['seat_2', 28],
    ]);
    expect(second.units.times('8.25').times(100).toString()).toBe('1650');
  });

  it('a same-day add and remove bills one day; a re-add restarts a stretch', () => {
    const events = [
      add('2022-07-12T08:00:00Z', 'a'),
      remove('2022-07-12T09:00:00Z', 'a'), // 1 day
      add('2022-07-20T08:00:00Z', 'a'), // 07-20 … 08-08 = 12 + 8 = 20 days
    ];
    // (1 + 20)/31 = 0.677419… → 0.67742
    const result = proratedUnits(m, events, window);
    expect(str(result.units)).toBe('0.67742');
    expect(result.breakdown.map((l) => l.daysBilled)).toEqual([1, 20]);
  });

  it('counts days in the window timezone', () => {
    // 2027-02-02T23:30Z is 2027-02-03 00:30 in Paris: 02-03 … 02-18 = 16 days, not 17
    const paris = { ...period('2027-01-19', '2027-02-18'), timezone: 'Europe/Paris' };
    paris.fromMs -= 3_600_000; // 00:00 Paris
    paris.toMs -= 3_600_000;
    const result = proratedUnits(m, [add('2027-02-02T23:30:00Z', 's')], paris);
    expect(result.breakdown[0]).toMatchObject({ addedOn: '2027-02-03', daysBilled: 16 });
  });

  it('an upgrade day is billed on the new plan: a seat added that day costs nothing here', () => {
    const june = period('2023-06-01', '2023-06-30');
    const events = [add('2023-06-05', 'a'), add('2023-06-11T08:00:00Z', 'b')];
    // a: 06-05 … 06-10 = 6 days → 6/30 = 0.2; b: 0 days
    const result = proratedUnits(m, events, june, { terminatedAtMs: utc('2023-06-11T12:00:00Z'), upgraded: true });
    expect(str(result.units)).toBe('0.2');
    expect(str(result.fullUnits)).toBe('2');
    expect(result.breakdown).toHaveLength(1);
  });

  it('applies the metric rounding after ceil5', () => {
    // 63/31 → 2.03226 → floor(0) → 2
    const events = [add('2027-01-19', 'x'), add('2027-02-03', 'y'), add('2027-01-19', 'z'), remove('2027-02-03', 'z')];
    const rounded = seats({ roundingFunction: 'floor', roundingPrecision: 0 });
    expect(str(proratedUnits(rounded, events, period('2027-01-19', '2027-02-18')).units)).toBe('2');
  });

  it('filters apply to prorated units too', () => {
    const events = [ev('2022-07-09', { seat_id: 'a', team: 'x' }), ev('2022-07-09', { seat_id: 'b', team: 'y' })];
    expect(str(proratedUnits(m, events, window, { filter: { team: ['x'] } }).units)).toBe('1');
  });

  it('property: prorated units stay within [0, distinct seats + a day per same-day removal and re-add], full units are whole', () => {
    const op = fc.record({ day: fc.integer({ min: 0, max: 60 }), seat: fc.constantFrom('a', 'b', 'c'), remove: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const events = ops.map((o, i) => ({
          transactionId: `t${i}`,
          timestamp: utc('2022-06-20') + o.day * 86_400_000,
          properties: { seat_id: o.seat, operation_type: o.remove ? 'remove' : 'add' },
        }));
        const result = proratedUnits(m, events, window);
        const distinct = new Set(ops.map((o) => o.seat)).size;
        // A seat's day is billed twice only where a stretch ends and the next begins: a removal and an add of it that day.
        const opsOn = (remove: boolean) => new Set(ops.filter((o) => o.remove === remove).map((o) => `${o.seat}:${o.day}`));
        const removals = opsOn(true);
        const sameDay = [...opsOn(false)].filter((key) => removals.has(key)).length;
        const bound = new Dec(distinct).plus(new Dec(sameDay).dividedBy(window.fullDays)).plus('0.00001'); // ceil5 adds at most 0.00001
        return result.units.gte(0) && result.units.lte(bound) && result.fullUnits.isInteger() && result.fullUnits.gte(0);
      }),
    );
  });
});

describe('proratedUnits: errors and pay in advance', () => {
  const june = period('2023-06-01', '2023-06-30');
  it('refuses non-recurring metrics, other types and impossible terminations', () => {
    expect(() => proratedUnits(seats({ recurring: false }), [], june)).toThrow(/recurring/);
    expect(() => proratedUnits(metric('weighted_sum_agg', { recurring: true }), [], june)).toThrow(/cannot be prorated/);
    expect(() => proratedUnits(seats(), [], june, { upgraded: true })).toThrow(/termination/);
    expect(() => proratedUnits(seats(), [], june, { terminatedAtMs: june.fromMs - 1 })).toThrow(/before the window/);
  });
  it('prorates one in-advance event to the period end: ceil5(v × days/D)', () => {
    // 06-21 … 06-30 = 10 days: 2 × 10/30 = 0.666666… → 0.66667
    expect(str(proratedEventUnits(new Dec(2), utc('2023-06-21T10:00:00Z'), june))).toBe('0.66667');
    // an event after the window bills nothing
    expect(str(proratedEventUnits(new Dec(2), utc('2023-07-02'), june))).toBe('0');
  });
});
