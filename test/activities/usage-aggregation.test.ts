/**
 * Differential test: the SQL aggregation (src/db/usage-aggregation.ts) against the reference core
 * (`aggregate`, `proratedUnits`) on the same random event sets in a real PostgreSQL. Events mix
 * negative and decimal values, numbers sent as strings, missing and non-numeric fields, duplicate
 * timestamps, add/remove sequences, events outside the window and filter properties; every
 * aggregation type must give the same units, events count and event values.
 */
import fc from 'fast-check';
import { aggregate, aggregateGroups, proratedUnits, type AggregationWindow, type EventSelection, type MetricDefinition } from '../../src/billing/aggregation';
import type { AggregationType, UsageEvent } from '../../src/billing/types';
import { aggregateUsage, proratedUsage, usageGroups, type UsageScope } from '../../src/db/usage-aggregation';
import { ExpressionError, evaluateExpressionText, storedValueOf } from '../../src/billing/expressions';
import { createUsageCache } from '../../src/db/usage-cache';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';

let database: TestDatabase;
let organizationId: string;
let run = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  organizationId = (await createTestOrganization(database.db, 'Differential Org')).organization.id;
});

afterAll(async () => database?.drop());

// January 2027 in UTC: D = 31.
const FROM = Date.parse('2027-01-01T00:00:00.000Z');
const TO = Date.parse('2027-01-31T23:59:59.999Z');
const HOUR = 3_600_000;
const window: AggregationWindow = { fromMs: FROM, toMs: TO, timezone: 'UTC', fullDays: 31 };
const parisWindow: AggregationWindow = { fromMs: Date.parse('2026-12-31T23:00:00.000Z'), toMs: Date.parse('2027-01-31T22:59:59.999Z'), timezone: 'Europe/Paris', fullDays: 31 };

/** Instants that collide on purpose (bounds, one millisecond off, shared hours) plus random ones. */
const instant = fc.oneof(
  { arbitrary: fc.constantFrom(FROM - 1, FROM, FROM + 1, TO - 1, TO, TO + 1, FROM + 5 * HOUR, FROM + 240 * HOUR, FROM - 48 * HOUR), weight: 3 },
  { arbitrary: fc.integer({ min: FROM - 10 * 24 * HOUR, max: TO + 2 * 24 * HOUR }), weight: 1 },
);

/** Values as clients send them: numbers, decimal strings, and things that are not numbers. */
const numericish = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 100),
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).filter((x) => x === 0 || Math.abs(x) >= 1e-6),
  fc.constantFrom('12.5', '-3', '.5', '5.', '-.25', '0.000001', '007', 'abc', '1e3', ' 4', '', '-', '1.2.3'),
  fc.constantFrom(null, true, false),
  fc.constant({ nested: 1 }),
  fc.constant([1]),
);

const textish = fc.oneof(
  { arbitrary: fc.constantFrom('u1', 'u2', 'U1'), weight: 4 },
  { arbitrary: fc.constantFrom('u3', 'eu', 'us', '', '1'), weight: 1 },
  { arbitrary: fc.constantFrom(1, 2, 1.5, 0, -1, true, false), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
);

const properties = fc.record(
  {
    value: numericish,
    user: textish,
    operation_type: fc.constantFrom('add', 'remove', 'remove', 'Remove', 'other'),
    region: fc.constantFrom('eu', 'us', 'apac', 1, true),
    tier: fc.constantFrom('gold', 'silver'),
  },
  { requiredKeys: [] },
);

/** Prices sent with events (dynamic charges): exact decimals of up to 15 places, or none. */
const precise = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -1_000_000, max: 100_000_000 }).map((n) => (n / 1000).toString()),
  fc.constantFrom('0', '12.123456789012345', '99999999999999999999.5'),
);

const events = fc.uniqueArray(
  fc.record({ transactionId: fc.stringMatching(/^[A-Za-z0-9_-]{1,6}$/), timestamp: instant, properties, preciseTotalAmountCents: precise }, { requiredKeys: ['transactionId', 'timestamp', 'properties'] }),
  { selector: (e) => e.transactionId, maxLength: 40, size: 'max' },
);

const selection: fc.Arbitrary<EventSelection> = fc.constantFrom<EventSelection>(
  {},
  { filter: { region: ['eu'] } },
  { filter: { region: ['eu', '1', 'true'], tier: ['gold'] } },
  { ignoredFilters: [{ region: ['eu'] }, { region: ['us'], tier: ['gold'] }] },
  { filter: { tier: ['silver'] }, ignoredFilters: [{ region: ['apac'] }] },
);

const rounding = fc.constantFrom<Pick<MetricDefinition, 'roundingFunction' | 'roundingPrecision'>>(
  { roundingFunction: null, roundingPrecision: null },
  { roundingFunction: 'round', roundingPrecision: 1 },
  { roundingFunction: 'ceil', roundingPrecision: 0 },
  { roundingFunction: 'floor', roundingPrecision: -1 },
);

function metricOf(aggregationType: AggregationType, recurring: boolean, round: Pick<MetricDefinition, 'roundingFunction' | 'roundingPrecision'>): MetricDefinition {
  const field = aggregationType === 'count_agg' ? null : aggregationType === 'unique_count_agg' ? 'user' : 'value';
  return { aggregationType, fieldName: field, recurring, weightedInterval: null, ...round };
}

const KINDS: [AggregationType, boolean][] = [
  ['count_agg', false],
  ['sum_agg', false],
  ['sum_agg', true],
  ['max_agg', false],
  ['latest_agg', false],
  ['unique_count_agg', false],
  ['unique_count_agg', true],
  ['weighted_sum_agg', false],
  ['weighted_sum_agg', true],
];

async function store(list: UsageEvent[], reuse = false): Promise<UsageScope> {
  if (!reuse) run += 1;
  const scope = { organizationId, externalSubscriptionId: `sub-${run}`, code: 'metric' };
  // Noise the selection must leave out: another subscription, another code.
  const noise = [
    { external_subscription_id: `sub-${run}-other`, code: 'metric' },
    { external_subscription_id: scope.externalSubscriptionId, code: 'other_metric' },
  ].map((where, i) => ({ organization_id: organizationId, transaction_id: `noise-${run}-${i}`, timestamp: new Date(FROM + HOUR), properties: { value: 1, user: 'u1' }, ...where }));
  const rows = list.map((e) => ({
    organization_id: organizationId,
    transaction_id: `${run}:${e.transactionId}`,
    external_subscription_id: scope.externalSubscriptionId,
    code: scope.code,
    timestamp: new Date(e.timestamp),
    properties: e.properties,
    precise_total_amount_cents: e.preciseTotalAmountCents ?? null,
  }));
  for (const chunk of reuse ? [rows] : [rows, noise]) if (chunk.length > 0) await database.db('events').insert(chunk);
  return scope;
}

/** The stored events as the core sees them (same transaction ids as in SQL). */
const asStored = (list: UsageEvent[]): UsageEvent[] => list.map((e) => ({ ...e, transactionId: `${run}:${e.transactionId}`, properties: JSON.parse(JSON.stringify(e.properties)) as Record<string, unknown> }));

const strings = (values: { toString(): string }[]) => values.map((v) => v.toString());

it('SQL aggregation equals the reference core for every aggregation type', async () => {
  await fc.assert(
    fc.asyncProperty(events, selection, rounding, async (list, sel, round) => {
      const scope = await store(list);
      const stored = asStored(list);
      for (const [type, recurring] of KINDS) {
        const metric = metricOf(type, recurring, round);
        const expected = aggregate(metric, stored, window, sel);
        const actual = await aggregateUsage(database.db, scope, metric, window, { ...sel, withEventValues: true });
        const label = `${type}${recurring ? ' recurring' : ''}`;
        expect({ label, units: actual.units.toString(), eventsCount: actual.eventsCount, eventValues: strings(actual.eventValues), precise: actual.preciseTotalAmountCents?.toString() })
          .toEqual({ label, units: expected.units.toString(), eventsCount: expected.eventsCount, eventValues: strings(expected.eventValues), precise: expected.preciseTotalAmountCents?.toString() });
      }
    }),
    { numRuns: 120 },
  );
});

/** Pricing group keys: present, missing, numbers and booleans (grouped by their text), nulls. */
const groupKeys = fc.constantFrom(['region'], ['user'], ['region', 'tier'], ['tier', 'user', 'region'], ['absent']);

it('grouped: SQL finds the same groups as the core, each with the same units, events and prices', async () => {
  await fc.assert(
    fc.asyncProperty(events, selection, rounding, groupKeys, async (list, sel, round, keys) => {
      const scope = await store(list);
      const stored = asStored(list);
      for (const [type, recurring] of KINDS) {
        const metric = metricOf(type, recurring, round);
        const expected = aggregateGroups(metric, stored, window, sel, keys).map(({ group, result }) => ({
          group, units: result.units.toString(), eventsCount: result.eventsCount, precise: result.preciseTotalAmountCents?.toString(),
        }));
        const groups = await usageGroups(database.db, scope, metric, window, sel, keys);
        const actual = await Promise.all(groups.map(async (group) => {
          const result = await aggregateUsage(database.db, scope, metric, window, { ...sel, group });
          return { group, units: result.units.toString(), eventsCount: result.eventsCount, precise: result.preciseTotalAmountCents?.toString() };
        }));
        expect({ label: `${type}${recurring ? ' recurring' : ''}`, groups: actual }).toEqual({ label: `${type}${recurring ? ' recurring' : ''}`, groups: expected });
      }
    }),
    { numRuns: 60 },
  );
});

it('grouped prorated recurring sums and unique counts equal the core’s, group by group', async () => {
  await fc.assert(
    fc.asyncProperty(events, selection, groupKeys, async (list, sel, keys) => {
      const scope = await store(list);
      const stored = asStored(list);
      for (const type of ['sum_agg', 'unique_count_agg'] as const) {
        const metric = metricOf(type, true, { roundingFunction: null, roundingPrecision: null });
        for (const group of await usageGroups(database.db, scope, metric, window, sel, keys)) {
          const expected = proratedUnits(metric, stored, window, { ...sel, group });
          const actual = await proratedUsage(database.db, scope, metric, window, { ...sel, group });
          expect({ type, group, units: actual.units.toString(), full: actual.fullUnits.toString() }).toEqual({ type, group, units: expected.units.toString(), full: expected.fullUnits.toString() });
        }
      }
    }),
    { numRuns: 30 },
  );
});

/** Expressions as a metric carries them; their result is stored in `value` at ingestion. */
const expression = fc.constantFrom(
  'round(event.properties.value / 1000 / 60, 2)',
  'event.properties.value * 3 - 1',
  'ceil(event.properties.value, -1)',
  "concat(event.properties.user, '-', event.properties.region)",
  'floor(event.timestamp / 3600)',
);

it('expression metrics: the values computed at ingestion aggregate the same in SQL and in the core', async () => {
  await fc.assert(
    fc.asyncProperty(events, selection, rounding, expression, async (list, sel, round, text) => {
      // What ingestion does: evaluate once, store the result in properties[field_name]; events it cannot evaluate are refused.
      const ingested = list.flatMap((e) => {
        try {
          const value = storedValueOf(evaluateExpressionText(text, { code: 'metric', timestampMs: e.timestamp, properties: e.properties }));
          return [{ ...e, properties: { ...e.properties, value, user: value } }];
        } catch (error) {
          if (error instanceof ExpressionError) return [];
          throw error;
        }
      });
      const scope = await store(ingested);
      const stored = asStored(ingested);
      for (const [type, recurring] of KINDS) {
        const metric = metricOf(type, recurring, round);
        const expected = aggregate(metric, stored, window, sel);
        const actual = await aggregateUsage(database.db, scope, metric, window, { ...sel, withEventValues: true });
        const label = `${text} ${type}${recurring ? ' recurring' : ''}`;
        expect({ label, units: actual.units.toString(), eventsCount: actual.eventsCount, eventValues: strings(actual.eventValues) })
          .toEqual({ label, units: expected.units.toString(), eventsCount: expected.eventsCount, eventValues: strings(expected.eventValues) });
      }
    }),
    { numRuns: 40 },
  );
});

it('the incremental cache equals the core before and after more events arrive', async () => {
  const cache = createUsageCache(database.db);
  // A tiny cache evicts all the time: it must stay exact, only slower.
  const tiny = createUsageCache(database.db, { maxEntries: 2, maxValues: 3 });
  await fc.assert(
    fc.asyncProperty(events, fc.integer({ min: 0, max: 40 }), selection, rounding, async (list, cut, sel, round) => {
      const first = list.slice(0, cut);
      const scope = await store(first);
      const later = list.slice(cut);
      const check = async (known: UsageEvent[]) => {
        for (const [type, recurring] of KINDS) {
          const metric = metricOf(type, recurring, round);
          const expected = aggregate(metric, asStored(known), window, sel);
          const label = `${type}${recurring ? ' recurring' : ''}`;
          for (const aggregator of [cache, tiny]) {
            const actual = await aggregator.aggregate(scope, metric, window, sel);
            expect({ label, units: actual.units.toString(), eventsCount: actual.eventsCount }).toEqual({ label, units: expected.units.toString(), eventsCount: expected.eventsCount });
          }
        }
      };
      await check(first); // cold: full read
      // Later events in two transactions (one per half), then warm reads merge only what is new.
      await store(later.slice(0, Math.ceil(later.length / 2)), true);
      await store(later.slice(Math.ceil(later.length / 2)), true);
      await check(list);
      await check(list); // nothing new: the cached state as it is
    }),
    { numRuns: 60 },
  );
});

it('the cache counts a row committed late by a transaction that was running at its snapshot, and nothing twice', async () => {
  const cache = createUsageCache(database.db);
  const metric = metricOf('sum_agg', false, { roundingFunction: null, roundingPrecision: null });
  const scope = await store([{ transactionId: 'base', timestamp: FROM + HOUR, properties: { value: 1 } }]);
  const row = (id: string, value: number) => ({
    organization_id: organizationId, transaction_id: `${run}:${id}`, external_subscription_id: scope.externalSubscriptionId,
    code: scope.code, timestamp: new Date(FROM + 2 * HOUR), properties: { value },
  });
  const slow = await database.db.transaction();
  await slow.insert(row('slow', 100)).into('events'); // T: has its id, not committed yet
  await database.db('events').insert(row('quick', 10)); // R: a later id, committed now
  // Snapshot S1 sees base + quick, with T running (S1's xmin is T's id, below R's).
  expect((await cache.aggregate(scope, metric, window, {})).units.toString()).toBe('11');
  await slow.commit();
  // The delta since S1 is T's row alone: 1 + 10 + 100 = 111, R not counted twice.
  expect((await cache.aggregate(scope, metric, window, {})).units.toString()).toBe('111');
  expect((await aggregateUsage(database.db, scope, metric, window)).units.toString()).toBe('111');
});

it('prorated recurring sums and unique counts equal the core’s, in UTC and across time zones', async () => {
  await fc.assert(
    fc.asyncProperty(events, selection, fc.constantFrom(window, parisWindow), fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }), fc.boolean(), async (list, sel, win, terminatedDay, upgraded) => {
      const scope = await store(list);
      const stored = asStored(list);
      const terminatedAtMs = terminatedDay === undefined ? undefined : win.fromMs + terminatedDay * 24 * HOUR + 7 * HOUR;
      const opts = { ...sel, terminatedAtMs, upgraded: terminatedAtMs !== undefined && upgraded };
      for (const type of ['sum_agg', 'unique_count_agg'] as const) {
        const metric = metricOf(type, true, { roundingFunction: null, roundingPrecision: null });
        const expected = proratedUnits(metric, stored, win, opts);
        const actual = await proratedUsage(database.db, scope, metric, win, opts);
        expect({ type, units: actual.units.toString(), full: actual.fullUnits.toString(), lines: actual.breakdown.length })
          .toEqual({ type, units: expected.units.toString(), full: expected.fullUnits.toString(), lines: expected.breakdown.length });
      }
    }),
    { numRuns: 60 },
  );
});

it('hand-checked: unique count collapses add/remove, weighted sum spreads a level over D', async () => {
  const list: UsageEvent[] = [
    { transactionId: 'a', timestamp: FROM + HOUR, properties: { user: 'u1' } },
    { transactionId: 'b', timestamp: FROM + 2 * HOUR, properties: { user: 'u1' } }, // add while active: nothing
    { transactionId: 'c', timestamp: FROM + 3 * HOUR, properties: { user: 'u2', operation_type: 'remove' } }, // remove while inactive: nothing
    { transactionId: 'd', timestamp: FROM + 4 * HOUR, properties: { user: 'u2' } },
    { transactionId: 'e', timestamp: FROM + 4 * HOUR, properties: { user: 'u1', operation_type: 'remove' } },
    // Same instant: transaction ids order them, so the remove ('f') comes before the add ('g').
    { transactionId: 'g', timestamp: FROM + 5 * HOUR, properties: { user: 'u3' } },
    { transactionId: 'f', timestamp: FROM + 5 * HOUR, properties: { user: 'u3', operation_type: 'remove' } },
  ];
  const scope = await store(list);
  const unique = await aggregateUsage(database.db, scope, metricOf('unique_count_agg', false, { roundingFunction: null, roundingPrecision: null }), window);
  // u1 removed last, u2 and u3 added last → 2 units; 7 events carry a user.
  expect(unique.units.toString()).toBe('2');
  expect(unique.eventsCount).toBe(7);

  const levels: UsageEvent[] = [
    { transactionId: 'w1', timestamp: FROM, properties: { value: 1000 } },
    { transactionId: 'w2', timestamp: FROM + 15.5 * 24 * HOUR, properties: { value: '-500' } },
  ];
  const weighted = await aggregateUsage(database.db, await store(levels), metricOf('weighted_sum_agg', false, { roundingFunction: null, roundingPrecision: null }), window);
  // 1000 for 15.5 days then 500 for 15.5 days, over 31 days: (1000 × 15.5 + 500 × 15.5) / 31 = 750.
  expect(weighted.units.toString()).toBe('750');
  expect(weighted.eventsCount).toBe(2);
});
