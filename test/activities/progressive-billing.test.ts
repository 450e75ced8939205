/**
 * Progressive billing's activity alone (issue 15), against a real database: a crossing is billed
 * once whatever happens around it — retried, run three times at once, or failing mid-write (a worker
 * killed mid-invoice rolls it all back: the retry bills it once). And the lifetime usage API:
 * historical usage seeded by PUT counts, and the thresholds it already covers are never billed.
 * Hand-worked: a standard charge of 1.00 per event (100 cents), a threshold of 100.00 (10000).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { silentLogger } from '../support/temporal';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { insertSubscription } from '../../src/db/subscriptions';
import { billCrossedThresholds } from '../../src/services/invoicing';

type Api = Awaited<ReturnType<typeof createPlainTestApi>>;

let database: TestDatabase;
let api: Api;
const clockMs = Date.parse('2027-01-05T10:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Progressive Co', { now: () => clockMs });
  const metric = await api.post('/billable_metrics', { billable_metric: { name: 'Calls', code: 'calls', aggregation_type: 'count_agg' } }).expect(200);
  await api.post('/plans', { plan: {
    name: 'Progressive', code: 'prog', interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: metric.body.billable_metric.lago_id, charge_model: 'standard', properties: { amount: '1' } }],
    usage_thresholds: [{ amount_cents: 10000, threshold_display_name: 'Hundred' }],
  } }).expect(200);
});

afterAll(async () => database?.drop());

/** An active subscription on `prog` from 2027-01-01 (its workflow is not needed: the activity is called directly). */
async function subscription(externalId: string): Promise<string> {
  const { db } = database;
  await api.post('/customers', { customer: { external_id: `${externalId}-customer`, currency: 'EUR', timezone: 'UTC' } }).expect(200);
  const customer = await db('customers').where({ organization_id: api.organization.id, external_id: `${externalId}-customer` }).first();
  const plan = await db('plans').where({ organization_id: api.organization.id, code: 'prog' }).first();
  const row = await insertSubscription(db, {
    organization_id: api.organization.id, customer_id: customer.id, plan_id: plan.id, external_id: externalId, name: null,
    status: 'active', billing_time: 'calendar', subscription_at: new Date('2027-01-01T00:00:00Z'), started_at: new Date('2027-01-01T00:00:00Z'),
    trial_ended_at: null, ending_at: null, terminated_at: null, canceled_at: null, previous_subscription_id: null,
    on_termination_credit_note: null, workflow_id: `subscription/x/${externalId}`,
  });
  return row.id;
}

/** `count` events, in batches of at most 100 (the API's limit). */
async function events(externalId: string, count: number, prefix: string): Promise<void> {
  const all = Array.from({ length: count }, (_, i) => ({ transaction_id: `${prefix}-${i}`, code: 'calls', external_subscription_id: externalId }));
  for (let i = 0; i < all.length; i += 100) await api.post('/events/batch', { events: all.slice(i, i + 100) }).expect(200);
}

async function progressiveInvoices(subscriptionId: string) {
  return database.db('invoices').where({ subscription_id: subscriptionId, invoice_type: 'progressive_billing' }).orderBy('created_at');
}

const webhooks = (subscriptionId: string) =>
  database.db('webhook_events').where({ webhook_type: 'subscription.usage_threshold_reached', object_id: subscriptionId });

it('a write that fails midway leaves nothing; the retry bills the crossing once, and a later retry nothing', async () => {
  const id = await subscription('crash');
  await events('crash', 120, 'crash'); // 120 × 100 = 12000 ≥ 10000
  const { db } = database;
  // The crossing's record fails after the invoice row is written, as a worker dying there would leave it: rolled back.
  await db.raw(`CREATE FUNCTION fail_applied() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'worker killed'; END $$ LANGUAGE plpgsql`);
  await db.raw('CREATE TRIGGER fail_applied BEFORE INSERT ON applied_usage_thresholds FOR EACH ROW EXECUTE FUNCTION fail_applied()');
  // The activity's now is the workflow's clock when it asked: 2027-01-05, as the API's.
  const env = new MockActivityEnvironment({ currentAttemptScheduledTimestampMs: clockMs }, { logger: silentLogger });
  const activities = createActivities({ db });
  await expect(env.run(activities.checkUsageThresholds, { subscriptionId: id })).rejects.toThrow(/worker killed/);
  expect(await progressiveInvoices(id)).toEqual([]);
  expect(await webhooks(id)).toEqual([]);
  await db.raw('DROP TRIGGER fail_applied ON applied_usage_thresholds');
  await db.raw('DROP FUNCTION fail_applied()');

  const retry = await env.run(activities.checkUsageThresholds, { subscriptionId: id });
  expect(retry).toMatchObject({ crossed: 1 });
  const again = await env.run(activities.checkUsageThresholds, { subscriptionId: id });
  expect(again).toEqual({ invoiceId: null, crossed: 0 });
  const invoices = await progressiveInvoices(id);
  // One invoice: 12000, the period's usage so far.
  expect(invoices.map((invoice) => [invoice.fees_amount_cents, invoice.total_amount_cents])).toEqual([[12000n, 12000n]]);
  expect(await webhooks(id)).toHaveLength(1);
});

it('three checks at once (a duplicated activity) bill the crossing once', async () => {
  const id = await subscription('race');
  await events('race', 101, 'race'); // 10100
  const atMs = clockMs;
  const results = await Promise.all([1, 2, 3].map(() => billCrossedThresholds(database.db, { subscriptionId: id, atMs })));
  const invoices = await progressiveInvoices(id);
  expect(invoices.map((invoice) => invoice.fees_amount_cents)).toEqual([10100n]);
  expect(new Set(results.map((result) => result.invoiceId).filter(Boolean))).toEqual(new Set([invoices[0].id]));
  expect(results.filter((result) => result.crossed.length > 0)).toHaveLength(1);
  expect(await database.db('applied_usage_thresholds').where({ subscription_id: id })).toHaveLength(1);
  expect(await webhooks(id)).toHaveLength(1);
});

it('historical usage seeded by PUT lifetime_usage counts, and the thresholds it covers are never billed', async () => {
  const id = await subscription('seeded');
  const seeded = await api.put('/subscriptions/seeded/lifetime_usage', { lifetime_usage: { external_historical_usage_amount_cents: 12000 } }).expect(200);
  // Lifetime 12000 ≥ 10000: the threshold shows reached, though no invoice crossed it here.
  expect(seeded.body.lifetime_usage).toMatchObject({
    lago_subscription_id: id, external_subscription_id: 'seeded', external_historical_usage_amount_cents: 12000, invoiced_usage_amount_cents: 0,
    current_usage_amount_cents: 0, from_datetime: '2027-01-01T00:00:00Z', to_datetime: '2027-01-31T23:59:59Z',
    usage_thresholds: [{ amount_cents: 10000, completion_ratio: 1 }],
  });
  await events('seeded', 30, 'seeded');
  // 12000 + 30 × 100 = 15000: the only threshold (10000) is below the history: nothing to bill.
  expect(await billCrossedThresholds(database.db, { subscriptionId: id, atMs: clockMs })).toEqual({ invoiceId: null, crossed: [] });
  expect(await progressiveInvoices(id)).toEqual([]);
  const read = await api.get('/subscriptions/seeded/lifetime_usage').expect(200);
  expect(read.body.lifetime_usage).toMatchObject({ external_historical_usage_amount_cents: 12000, current_usage_amount_cents: 3000 });
  expect(read.body.lifetime_usage.lago_id).toBe(seeded.body.lifetime_usage.lago_id);
});

it('lifetime usage: the next threshold with the share covered; bad input and unknown subscriptions are refused', async () => {
  await subscription('partial');
  await events('partial', 25, 'partial');
  const read = await api.get('/subscriptions/partial/lifetime_usage').expect(200);
  // 25 × 100 = 2500 of 10000: 0.25, not reached.
  expect(read.body.lifetime_usage).toMatchObject({ current_usage_amount_cents: 2500, usage_thresholds: [{ amount_cents: 10000, completion_ratio: 0.25, reached_at: null }] });
  await api.get('/subscriptions/nobody/lifetime_usage').expect(404);
  const bad = await api.put('/subscriptions/partial/lifetime_usage', { lifetime_usage: { external_historical_usage_amount_cents: -5 } });
  expect(bad.status).toBe(422);
  await api.put('/subscriptions/partial/lifetime_usage', {}).expect(400);
  expect(await database.db('lifetime_usages').where({ subscription_id: read.body.lifetime_usage.lago_subscription_id })).toEqual([]);
});
