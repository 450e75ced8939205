/** POST/GET /api/v1/events: idempotency, all-or-nothing batches, timestamps, synchronous lookups, notifications. */
import request from 'supertest';
import { buildApp } from '../../src/api/app';
import type { SubscriptionWorkflows, UsageNotification } from '../../src/workflows/client';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { insertMetric, insertPlan, insertSubscription } from '../support/usage-fixtures';

let database: TestDatabase;
let nowMs = Date.parse('2027-01-20T12:00:00.000Z');
const notifications: { organizationId: string; externalId: string; events: UsageNotification[] }[] = [];
let failSignals = false;

type Api = Awaited<ReturnType<typeof makeApi>>;
let api: Api;
let other: Api;

async function makeApi(name: string) {
  const { organization, apiKey } = await createTestOrganization(database.db, name);
  const unavailable = async () => {
    throw new Error('no Temporal in this test');
  };
  const workflows = {
    start: unavailable,
    view: unavailable,
    terminate: unavailable,
    changePlan: unavailable,
    notifyUsage: async (organizationId: string, externalId: string, events: UsageNotification[]) => {
      notifications.push({ organizationId, externalId, events });
      if (failSignals) throw new Error('Temporal is down');
    },
  } as unknown as SubscriptionWorkflows;
  const app = buildApp({ db: database.db, workflows, clock: { now: async () => nowMs }, publicUrl: 'http://billow.test' });
  const auth = { Authorization: `Bearer ${apiKey}` };
  return {
    organization,
    post: (path: string, body: unknown) => request(app).post(`/api/v1${path}`).set(auth).send(body as object | string),
    get: (path: string) => request(app).get(`/api/v1${path}`).set(auth),
  };
}

async function storedCount(transactionIds: string[]): Promise<number> {
  const [{ count }] = (await database.db('events').where({ organization_id: api.organization.id }).whereIn('transaction_id', transactionIds).count({ count: '*' })) as [{ count: bigint }];
  return Number(count);
}

beforeAll(async () => {
  database = await createTestDatabase();
  api = await makeApi('Events Org');
  other = await makeApi('Other Org');
  const { db } = database;
  const orgId = api.organization.id;
  const calls = await insertMetric(db, orgId, { code: 'api_calls', aggregation_type: 'count_agg' });
  const seats = await insertMetric(db, orgId, { code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'seat_id', recurring: true });
  const storage = await insertMetric(db, orgId, { code: 'storage', aggregation_type: 'sum_agg', field_name: 'gb' });
  const plan = await insertPlan(db, orgId, {
    code: 'pro',
    charges: [
      { metricId: calls.id, charge_model: 'standard', properties: { amount: '0.01' } },
      { metricId: seats.id, charge_model: 'standard', properties: { amount: '10' }, prorated: true },
      { metricId: storage.id, charge_model: 'standard', properties: { amount: '1' }, pay_in_advance: true },
    ],
  });
  await insertSubscription(db, orgId, { customerExternalId: 'acme', externalId: 'acme-pro', planId: plan.id, startedAt: new Date('2027-01-01T00:00:00Z') });
  await insertSubscription(db, orgId, { customerExternalId: 'acme', externalId: 'acme-old', planId: plan.id, startedAt: new Date('2026-01-01T00:00:00Z'), status: 'terminated' });
  // The other organization has a metric and subscription with the same names.
  const otherMetric = await insertMetric(db, other.organization.id, { code: 'api_calls', aggregation_type: 'count_agg' });
  const otherPlan = await insertPlan(db, other.organization.id, { code: 'pro', charges: [{ metricId: otherMetric.id, charge_model: 'standard', properties: { amount: '1' } }] });
  await insertSubscription(db, other.organization.id, { customerExternalId: 'acme', externalId: 'acme-pro', planId: otherPlan.id, startedAt: new Date('2027-01-01T00:00:00Z') });
});

afterAll(async () => database?.drop());

beforeEach(() => {
  notifications.length = 0;
  failSignals = false;
});

const event = (transactionId: string, extra: Record<string, unknown> = {}) => ({
  transaction_id: transactionId,
  code: 'api_calls',
  external_subscription_id: 'acme-pro',
  timestamp: 1800000000,
  properties: { region: 'eu' },
  ...extra,
});

describe('POST /events', () => {
  it('stores an event with its subscription and customer and answers Lago’s shape', async () => {
    const res = await api.post('/events', { event: event('tx-1', { precise_total_amount_cents: '12.50' }) });
    expect(res.status).toBe(200);
    const row = await database.db('events').where({ organization_id: api.organization.id, transaction_id: 'tx-1' }).first();
    expect(res.body.event).toEqual({
      lago_id: row.id,
      transaction_id: 'tx-1',
      lago_customer_id: row.customer_id,
      code: 'api_calls',
      timestamp: '2027-01-15T08:00:00.000Z', // 1 800 000 000 s after the epoch
      precise_total_amount_cents: '12.5',
      properties: { region: 'eu' },
      lago_subscription_id: row.subscription_id,
      external_subscription_id: 'acme-pro',
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
    });
    expect(row.subscription_id).not.toBeNull();
    expect(row.customer_id).not.toBeNull();
  });

  it('answers an identical replay with the stored event and stores it once', async () => {
    const first = await api.post('/events', { event: event('tx-replay', { properties: { region: 'eu', n: 1, nested: { a: [1, 2] } } }) });
    // Same content, keys in another order: still the same event.
    const replay = await api.post('/events', { event: event('tx-replay', { properties: { nested: { a: [1, 2] }, n: 1, region: 'eu' } }) });
    expect(first.status).toBe(200);
    expect(replay.status).toBe(200);
    expect(replay.body.event.lago_id).toBe(first.body.event.lago_id);
    expect(await storedCount(['tx-replay'])).toBe(1);
  });

  it('treats a replay without timestamp as identical even though "now" moved', async () => {
    const first = await api.post('/events', { event: event('tx-now', { timestamp: undefined }) });
    nowMs += 60_000;
    const replay = await api.post('/events', { event: event('tx-now', { timestamp: undefined }) });
    expect(replay.status).toBe(200);
    expect(replay.body.event.timestamp).toBe(first.body.event.timestamp);
    expect(await storedCount(['tx-now'])).toBe(1);
  });

  it('refuses the same transaction id with other content (422 value_already_exist)', async () => {
    await api.post('/events', { event: event('tx-conflict') }).expect(200);
    for (const change of [{ properties: { region: 'us' } }, { timestamp: 1800000001 }, { code: 'storage', properties: { gb: 1 } }, { precise_total_amount_cents: '1' }]) {
      const res = await api.post('/events', { event: event('tx-conflict', change) });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { transaction_id: ['value_already_exist'] } });
    }
    expect(await storedCount(['tx-conflict'])).toBe(1);
  });

  it.each([
    ['an integer of Unix seconds', 1800000000, '2027-01-15T08:00:00.000Z'],
    ['fractional Unix seconds', 1800000000.5, '2027-01-15T08:00:00.500Z'],
    ['a JSON number with milliseconds (no binary rounding)', 1700000000.123, '2023-11-14T22:13:20.123Z'],
    ['a numeric string', '1800000000.123', '2027-01-15T08:00:00.123Z'],
    ['more than millisecond digits (truncated)', '1800000000.1239', '2027-01-15T08:00:00.123Z'],
    ['ISO-8601 in UTC', '2027-01-15T08:00:00Z', '2027-01-15T08:00:00.000Z'],
    ['ISO-8601 with an offset and milliseconds', '2027-01-15T09:00:00.250+01:00', '2027-01-15T08:00:00.250Z'],
    ['ISO-8601 without offset (UTC)', '2027-01-15T08:00:00', '2027-01-15T08:00:00.000Z'],
    ['an ISO date', '2027-01-15', '2027-01-15T00:00:00.000Z'],
  ])('accepts a timestamp given as %s', async (_label, timestamp, expected) => {
    const id = `tx-ts-${String(timestamp)}`;
    const res = await api.post('/events', { event: event(id, { timestamp }) });
    expect(res.status).toBe(200);
    expect(res.body.event.timestamp).toBe(expected);
    const row = await database.db('events').where({ organization_id: api.organization.id, transaction_id: id }).first();
    expect(row.timestamp.toISOString()).toBe(expected);
  });

  it('defaults the timestamp to the injected clock', async () => {
    nowMs = Date.parse('2027-01-21T10:11:12.345Z');
    const res = await api.post('/events', { event: event('tx-default', { timestamp: null }) });
    expect(res.status).toBe(200);
    expect(res.body.event.timestamp).toBe('2027-01-21T10:11:12.345Z');
  });

  it.each([
    ['yesterday', 'invalid_format'],
    ['2027-02-30T00:00:00Z', 'invalid_format'],
    ['2027-01-15T25:00:00Z', 'invalid_format'],
    ['1.8e9', 'invalid_format'],
    [true, 'invalid_format'],
    [-1, 'value_is_out_of_range'],
    [1e15, 'value_is_out_of_range'],
  ])('refuses the timestamp %p (%s)', async (timestamp, code) => {
    const res = await api.post('/events', { event: event(`tx-bad-ts-${String(timestamp)}`, { timestamp }) });
    expect(res.status).toBe(422);
    expect(res.body.error_details).toEqual({ timestamp: [code] });
  });

  it('refuses an unknown metric code or an unknown, inactive or foreign subscription, synchronously', async () => {
    const unknownCode = await api.post('/events', { event: event('tx-unknown-code', { code: 'nope' }) });
    expect(unknownCode.status).toBe(422);
    expect(unknownCode.body.error_details).toEqual({ code: ['metric_not_found'] });
    for (const externalId of ['nobody', 'acme-old']) {
      const res = await api.post('/events', { event: event(`tx-unknown-sub-${externalId}`, { external_subscription_id: externalId }) });
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ external_subscription_id: ['subscription_not_found'] });
    }
    // A code that only exists in the other organization.
    await insertMetric(database.db, other.organization.id, { code: 'only_there', aggregation_type: 'count_agg' });
    const foreign = await api.post('/events', { event: event('tx-foreign', { code: 'only_there' }) });
    expect(foreign.body.error_details).toEqual({ code: ['metric_not_found'] });
    expect(await storedCount(['tx-unknown-code', 'tx-unknown-sub-nobody', 'tx-unknown-sub-acme-old', 'tx-foreign'])).toBe(0);
  });

  it('validates fields and the envelope without ever answering 500', async () => {
    const missing = await api.post('/events', { event: { properties: {} } });
    expect(missing.status).toBe(422);
    expect(missing.body.error_details).toEqual({
      transaction_id: ['value_is_mandatory'], code: ['value_is_mandatory'], external_subscription_id: ['value_is_mandatory'],
    });
    expect((await api.post('/events', { nope: {} })).status).toBe(400);
    expect((await api.post('/events', { event: event('tx-props', { properties: [1, 2] }) })).body.error_details).toEqual({ properties: ['value_is_invalid'] });
    expect((await api.post('/events', { event: event('tx-nul', { properties: { a: 'x\u0000y' } }) })).body.error_details).toEqual({ properties: ['value_is_invalid'] });
    expect((await api.post('/events', { event: event('tx-precise', { precise_total_amount_cents: 'abc' }) })).body.error_details).toEqual({ precise_total_amount_cents: ['value_is_invalid'] });
    expect((await api.post('/events', { event: event('x'.repeat(501)) })).body.error_details).toEqual({ transaction_id: ['value_is_invalid'] });
    const broken = await api.post('/events', '{"event": ').set('Content-Type', 'application/json');
    expect(broken.status).toBe(400);
  });

  it('scopes transaction ids by organization', async () => {
    await api.post('/events', { event: event('tx-shared') }).expect(200);
    const res = await other.post('/events', { event: event('tx-shared', { properties: { other: true } }) });
    expect(res.status).toBe(200);
    expect(res.body.event.properties).toEqual({ other: true });
  });
});

describe('POST /events/batch', () => {
  it('stores a batch and answers the events in order', async () => {
    const res = await api.post('/events/batch', { events: [event('b-1'), event('b-2', { timestamp: '2027-01-16T00:00:00Z' }), event('b-3', { code: 'storage', properties: { gb: 2 } })] });
    expect(res.status).toBe(200);
    expect(res.body.events.map((e: { transaction_id: string }) => e.transaction_id)).toEqual(['b-1', 'b-2', 'b-3']);
    expect(await storedCount(['b-1', 'b-2', 'b-3'])).toBe(3);
  });

  it('is all or nothing: one bad event stores nothing, errors are keyed by index', async () => {
    const res = await api.post('/events/batch', {
      events: [event('bn-0'), event('bn-1', { code: 'nope' }), event('bn-2', { timestamp: 'soon' }), event('bn-3')],
    });
    expect(res.status).toBe(422);
    expect(res.body.error_details).toEqual({ 1: { code: ['metric_not_found'] }, 2: { timestamp: ['invalid_format'] } });
    expect(await storedCount(['bn-0', 'bn-1', 'bn-2', 'bn-3'])).toBe(0);
  });

  it('rolls back the new events when one conflicts with a stored one', async () => {
    await api.post('/events', { event: event('bc-stored') }).expect(200);
    const res = await api.post('/events/batch', { events: [event('bc-new-1'), event('bc-stored', { properties: { region: 'us' } }), event('bc-new-2')] });
    expect(res.status).toBe(422);
    expect(res.body.error_details).toEqual({ 1: { transaction_id: ['value_already_exist'] } });
    expect(await storedCount(['bc-new-1', 'bc-new-2'])).toBe(0);
  });

  it('accepts identical replays inside a batch and stores each transaction id once', async () => {
    await api.post('/events', { event: event('br-stored') }).expect(200);
    const res = await api.post('/events/batch', { events: [event('br-stored'), event('br-new'), event('br-new')] });
    expect(res.status).toBe(200);
    expect(res.body.events).toHaveLength(3);
    expect(res.body.events[1].lago_id).toBe(res.body.events[2].lago_id);
    expect(await storedCount(['br-stored', 'br-new'])).toBe(2);
    const conflicting = await api.post('/events/batch', { events: [event('br-dup'), event('br-dup', { properties: { region: 'us' } })] });
    expect(conflicting.status).toBe(422);
    expect(conflicting.body.error_details).toEqual({ 1: { transaction_id: ['value_already_exist'] } });
    expect(await storedCount(['br-dup'])).toBe(0);
  });

  it('stores each id once when identical batches race, and keeps a racing conflicting batch out entirely', async () => {
    const batch = { events: [event('race-1'), event('race-2'), event('race-3')] };
    const answers = await Promise.all(Array.from({ length: 5 }, () => api.post('/events/batch', batch)));
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((res) => res.body.events[0].lago_id)).size).toBe(1);
    expect(await storedCount(['race-1', 'race-2', 'race-3'])).toBe(3);

    const [a, b] = await Promise.all([
      api.post('/events/batch', { events: [event('race-a-own'), event('race-shared', { properties: { side: 'a' } })] }),
      api.post('/events/batch', { events: [event('race-b-own'), event('race-shared', { properties: { side: 'b' } })] }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 422]);
    const loser = a.status === 422 ? 'race-a-own' : 'race-b-own';
    expect((a.status === 422 ? a : b).body.error_details).toEqual({ 1: { transaction_id: ['value_already_exist'] } });
    expect(await storedCount([loser])).toBe(0);
    expect(await storedCount(['race-a-own', 'race-b-own', 'race-shared'])).toBe(2);
  });

  it('refuses empty, oversized and malformed batches', async () => {
    expect((await api.post('/events/batch', { events: [] })).body.error_details).toEqual({ events: ['no_events'] });
    const tooMany = Array.from({ length: 101 }, (_, i) => event(`big-${i}`));
    const res = await api.post('/events/batch', { events: tooMany });
    expect(res.status).toBe(422);
    expect(res.body.error_details).toEqual({ events: ['too_many_events'] });
    expect((await api.post('/events/batch', { events: 'x' })).status).toBe(400);
    expect((await api.post('/events/batch', { events: [1] })).body.error_details).toMatchObject({ 0: { base: ['value_is_invalid'] } });
    const hundred = Array.from({ length: 100 }, (_, i) => event(`hundred-${i}`));
    expect((await api.post('/events/batch', { events: hundred })).status).toBe(200);
  });
});

describe('workflow notifications', () => {
  it('signals events of a recurring metric or of a pay-in-advance charge, not plain ones', async () => {
    const res = await api.post('/events/batch', {
      events: [
        event('n-plain'),
        event('n-seat', { code: 'seats', properties: { seat_id: 's1' } }),
        event('n-storage', { code: 'storage', properties: { gb: 5 } }),
      ],
    });
    expect(res.status).toBe(200);
    expect(notifications).toEqual([
      {
        organizationId: api.organization.id,
        externalId: 'acme-pro',
        events: [
          { transactionId: 'n-seat', code: 'seats', timestamp: 1800000000000 },
          { transactionId: 'n-storage', code: 'storage', timestamp: 1800000000000 },
        ],
      },
    ]);
    // A replay is stored once and not signalled again.
    notifications.length = 0;
    await api.post('/events', { event: event('n-seat', { code: 'seats', properties: { seat_id: 's1' } }) }).expect(200);
    expect(notifications).toEqual([]);
  });

  it('keeps the event when the signal fails', async () => {
    failSignals = true;
    const res = await api.post('/events', { event: event('n-failed', { code: 'seats', properties: { seat_id: 's2' } }) });
    expect(res.status).toBe(200);
    expect(notifications).toHaveLength(1);
    expect(await storedCount(['n-failed'])).toBe(1);
  });
});

describe('GET /events', () => {
  beforeAll(async () => {
    await api.post('/events/batch', {
      events: [
        event('l-1', { timestamp: '2027-03-01T00:00:00Z' }),
        event('l-2', { timestamp: '2027-03-02T00:00:00Z' }),
        event('l-3', { timestamp: '2027-03-03T00:00:00Z', code: 'storage', properties: { gb: 1 } }),
      ],
    }).expect(200);
  });

  it('reads one event by transaction id, only in its organization', async () => {
    const res = await api.get('/events/l-2');
    expect(res.status).toBe(200);
    expect(res.body.event).toMatchObject({ transaction_id: 'l-2', timestamp: '2027-03-02T00:00:00.000Z' });
    expect((await api.get('/events/nope')).body).toEqual({ status: 404, error: 'Not Found', code: 'event_not_found' });
    expect((await other.get('/events/l-2')).status).toBe(404);
  });

  it('filters by code, subscription and time, newest first, paginated', async () => {
    const range = await api.get('/events?timestamp_from=2027-03-01T00:00:00Z&timestamp_to=2027-03-02T23:59:59Z');
    expect(range.body.events.map((e: { transaction_id: string }) => e.transaction_id)).toEqual(['l-2', 'l-1']);
    const byCode = await api.get('/events?code=storage&timestamp_from=2027-03-01T00:00:00Z');
    expect(byCode.body.events.map((e: { transaction_id: string }) => e.transaction_id)).toEqual(['l-3']);
    const page = await api.get('/events?timestamp_from=2027-03-01T00:00:00Z&external_subscription_id=acme-pro&per_page=2&page=2');
    expect(page.body.events.map((e: { transaction_id: string }) => e.transaction_id)).toEqual(['l-1']);
    expect(page.body.meta).toEqual({ current_page: 2, next_page: null, prev_page: 1, total_pages: 2, total_count: 3 });
    expect((await api.get('/events?external_subscription_id=nobody')).body.meta.total_count).toBe(0);
    expect((await api.get('/events?timestamp_from=never')).body.error_details).toEqual({ timestamp_from: ['invalid_date'] });
  });
});
