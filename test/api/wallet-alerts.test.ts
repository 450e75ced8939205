/**
 * Wallet alerts (issue 15 pt 4, Lago's `/customers/:external_customer_id/wallets/:wallet_code/alerts`):
 * CRUD with Lago's rules and shapes, and `alert.triggered` once per fall below a threshold,
 * evaluated with the ongoing balance after each batch of events and after wallet transactions.
 * Plan: 1.00 per token in arrears, no taxes; wallets at 1.00 a credit. Figures worked out by hand.
 */
import request from 'supertest';
import { buildApp } from '../../src/api/app';
import type { SubscriptionWorkflows } from '../../src/workflows/client';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { snapshotTables } from '../support/money';
import { insertMetric, insertPlan, insertSubscription } from '../support/usage-fixtures';

let database: TestDatabase;
const nowMs = Date.parse('2027-01-10T12:00:00.000Z');
let api: Awaited<ReturnType<typeof makeApi>>;
let eventSeq = 0;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function makeApi(name: string) {
  const { organization, apiKey } = await createTestOrganization(database.db, name);
  const workflows = { notifyUsage: async () => {} } as unknown as SubscriptionWorkflows;
  const app = buildApp({ db: database.db, workflows, clock: { now: async () => nowMs }, publicUrl: 'http://billow.test' });
  const auth = { Authorization: `Bearer ${apiKey}` };
  return {
    organization,
    post: (path: string, body: unknown) => request(app).post(`/api/v1${path}`).set(auth).send(body as object),
    put: (path: string, body: unknown) => request(app).put(`/api/v1${path}`).set(auth).send(body as object),
    get: (path: string) => request(app).get(`/api/v1${path}`).set(auth),
    delete: (path: string) => request(app).delete(`/api/v1${path}`).set(auth),
  };
}

/** `count` token events on the subscription, in one batch, timestamped on 2027-01-05. */
async function send(subscription: string, count: number) {
  const events = Array.from({ length: count }, () => ({
    transaction_id: `wa-${++eventSeq}`, code: 'tokens', external_subscription_id: subscription, properties: {}, timestamp: '2027-01-05T10:00:00Z',
  }));
  const res = await api.post('/events/batch', { events });
  expect(res.status).toBe(200);
}

async function wallet(customer: string, body: Record<string, unknown>): Promise<Json> {
  const res = await api.post(`/customers/${customer}/wallets`, { wallet: { currency: 'EUR', rate_amount: '1', ...body } });
  expect(res.status).toBe(200);
  return res.body.wallet as Json;
}

/** The `alert.triggered` webhooks recorded for wallet alerts of this wallet, oldest first. */
async function triggeredWebhooks(walletId: string): Promise<Json[]> {
  const rows = await database.db('webhook_events').where({ webhook_type: 'alert.triggered', organization_id: api.organization.id }).orderBy('created_at');
  return rows.map((row) => row.payload.triggered_alert as Json).filter((alert) => alert.lago_wallet_id === walletId);
}

const crossings = (webhooks: Json[]) => webhooks.map((w) => [w.alert_code, w.previous_value, w.current_value, w.crossed_thresholds.map((t: Json) => t.value)]);

beforeAll(async () => {
  database = await createTestDatabase();
  api = await makeApi('Wallet Alerts');
  const { db } = database;
  const orgId = api.organization.id;
  const tokens = await insertMetric(db, orgId, { code: 'tokens', aggregation_type: 'count_agg' });
  const plan = await insertPlan(db, orgId, {
    code: 'metered', amount_cents: 2000, amount_currency: 'EUR',
    charges: [{ metricId: tokens.id, code: 'tokens', charge_model: 'standard', properties: { amount: '1' } }],
  });
  const startedAt = new Date('2027-01-01T00:00:00Z');
  for (const customer of ['wa-crud', 'wa-live', 'wa-void', 'wa-iso']) {
    await insertSubscription(db, orgId, { customerExternalId: customer, externalId: `${customer}-sub`, planId: plan.id, startedAt, currency: 'EUR' });
  }
});

afterAll(async () => database?.drop());

describe('CRUD', () => {
  it('creates, reads, lists, updates and deletes alerts by code, in Lago\'s shape', async () => {
    const w = await wallet('wa-crud', { code: 'main', granted_credits: '100' });
    const created = await api.post('/customers/wa-crud/wallets/main/alerts', { alert: {
      alert_type: 'wallet_balance_amount', code: 'low', name: 'Low balance', thresholds: [{ code: 'warn', value: 5000 }, { code: 'step', value: '1000.5', recurring: true }],
    } });
    expect(created.status).toBe(200);
    expect(created.body.alert).toEqual({
      lago_id: expect.any(String), lago_organization_id: api.organization.id, external_subscription_id: null,
      lago_wallet_id: w.lago_id, wallet_code: 'main', billable_metric: null,
      alert_type: 'wallet_balance_amount', code: 'low', name: 'Low balance', direction: 'decreasing',
      // The previous value starts at the value now: the balance, 100 credits × 1.00 = 10000 cents.
      previous_value: 10000, last_processed_at: null,
      thresholds: [{ code: 'warn', value: '5000.0', recurring: false }, { code: 'step', value: '1000.5', recurring: true }],
      created_at: expect.any(String),
    });

    // A batch, all or none: the second repeats the first's type (one per type on a wallet) → nothing created.
    const before = await snapshotTables(database.db);
    const clash = await api.post('/customers/wa-crud/wallets/main/alerts', { alerts: [
      { alert_type: 'wallet_credits_balance', code: 'credits', thresholds: [{ value: 10 }] },
      { alert_type: 'wallet_balance_amount', code: 'again', thresholds: [{ value: 10 }] },
    ] });
    expect([clash.status, clash.body.error_details]).toEqual([422, { 1: { base: ['alert_already_exists'] } }]);
    expect(await snapshotTables(database.db)).toEqual(before);
    const batch = await api.post('/customers/wa-crud/wallets/main/alerts', { alerts: [
      { alert_type: 'wallet_credits_balance', code: 'credits', thresholds: [{ value: '10.5' }] },
      { alert_type: 'wallet_ongoing_balance_amount', code: 'ongoing', thresholds: [{ value: 2500 }] },
      { alert_type: 'wallet_credits_ongoing_balance', code: 'ongoing_credits', thresholds: [{ value: 25 }] },
    ] });
    expect(batch.status).toBe(200);
    // Credits: 100 credits; ongoing: no usage yet, 10000 cents and 100 credits.
    expect(batch.body.alerts.map((a: Json) => [a.code, a.alert_type, a.previous_value])).toEqual([
      ['credits', 'wallet_credits_balance', 100], ['ongoing', 'wallet_ongoing_balance_amount', 10000], ['ongoing_credits', 'wallet_credits_ongoing_balance', 100],
    ]);

    const list = await api.get('/customers/wa-crud/wallets/main/alerts');
    expect(list.status).toBe(200);
    expect(list.body.alerts.map((a: Json) => a.code)).toEqual(['low', 'credits', 'ongoing', 'ongoing_credits']);
    expect(list.body.meta).toMatchObject({ current_page: 1, total_count: 4 });
    expect((await api.get('/customers/wa-crud/wallets/main/alerts/low')).body.alert).toEqual(created.body.alert);

    const updated = await api.put('/customers/wa-crud/wallets/main/alerts/low', { alert: { code: 'very_low', name: null, thresholds: [{ value: 3000 }] } });
    expect(updated.status).toBe(200);
    // Evaluated after the update (nothing moved: nothing crossed), so it is stamped now.
    expect(updated.body.alert).toMatchObject({
      code: 'very_low', name: null, previous_value: 10000, last_processed_at: '2027-01-10T12:00:00Z', thresholds: [{ code: null, value: '3000.0', recurring: false }],
    });
    expect((await api.get('/customers/wa-crud/wallets/main/alerts/low')).status).toBe(404);

    const deleted = await api.delete('/customers/wa-crud/wallets/main/alerts/very_low');
    expect([deleted.status, deleted.body.alert.code]).toEqual([200, 'very_low']);
    expect((await api.get('/customers/wa-crud/wallets/main/alerts/very_low')).body).toMatchObject({ status: 404, code: 'alert_not_found' });
    // Its code and type are free again.
    expect((await api.post('/customers/wa-crud/wallets/main/alerts', { alert: { alert_type: 'wallet_balance_amount', code: 'very_low', thresholds: [{ value: 1 }] } })).status).toBe(200);

    const all = await api.delete('/customers/wa-crud/wallets/main/alerts');
    expect(all.status).toBe(200);
    expect((await api.get('/customers/wa-crud/wallets/main/alerts')).body.alerts).toEqual([]);
  });

  it('refuses bad input with Lago\'s codes and changes nothing', async () => {
    await wallet('wa-crud', { code: 'other', granted_credits: '1' });
    await api.post('/customers/wa-crud/wallets/other/alerts', { alert: { alert_type: 'wallet_balance_amount', code: 'taken', thresholds: [{ value: 1 }] } }).expect(200);
    const before = await snapshotTables(database.db);
    const post = (alert: Json) => api.post('/customers/wa-crud/wallets/other/alerts', { alert });
    const cases: [Json, number, Json | string][] = [
      [{ alert_type: 'current_usage_amount', code: 'x', thresholds: [{ value: 1 }] }, 422, { alert_type: ['invalid_type'] }],
      [{ alert_type: 'wallet_credits_balance', code: 'x' }, 422, { thresholds: ['value_is_mandatory'] }],
      [{ alert_type: 'wallet_credits_balance', code: 'x', thresholds: [{ value: 1 }, { value: '1.0' }] }, 422, { thresholds: ['duplicate_threshold_values'] }],
      [{ alert_type: 'wallet_credits_balance', code: 'x', thresholds: Array.from({ length: 21 }, (_, i) => ({ value: i })) }, 422, { thresholds: ['too_many_thresholds'] }],
      [{ alert_type: 'wallet_credits_balance', code: 'x', thresholds: [{ value: 1, recurring: true }, { value: 2, recurring: true }] }, 422, { thresholds: ['multiple_recurring_thresholds'] }],
      [{ alert_type: 'wallet_credits_balance', code: 'x', thresholds: [{ value: 0, recurring: true }] }, 422, { 'thresholds.0.value': ['recurring_value_is_negative'] }],
      [{ alert_type: 'wallet_credits_balance', code: 'x', thresholds: [{ value: 'abc' }] }, 422, { 'thresholds.0.value': ['value_is_invalid'] }],
      [{ alert_type: 'wallet_credits_balance', code: 'taken', thresholds: [{ value: 1 }] }, 422, { code: ['value_already_exist'] }],
    ];
    for (const [alert, status, details] of cases) {
      const res = await post(alert);
      expect([res.status, res.body.error_details]).toEqual([status, details]);
    }
    expect((await api.post('/customers/wa-crud/wallets/other/alerts', {})).status).toBe(400);
    expect((await api.post('/customers/nobody/wallets/other/alerts', { alert: { alert_type: 'wallet_balance_amount', code: 'x', thresholds: [{ value: 1 }] } })).body.code).toBe('customer_not_found');
    expect((await api.post('/customers/wa-crud/wallets/nope/alerts', { alert: { alert_type: 'wallet_balance_amount', code: 'x', thresholds: [{ value: 1 }] } })).body.code).toBe('wallet_not_found');
    expect((await api.put('/customers/wa-crud/wallets/other/alerts/none', { alert: { name: 'x' } })).body.code).toBe('alert_not_found');
    expect((await api.put('/customers/wa-crud/wallets/other/alerts/taken', { alert: { thresholds: [] } })).body.error_details).toEqual({ thresholds: ['value_is_mandatory'] });
    expect(await snapshotTables(database.db)).toEqual(before);
  });
});

describe('alert.triggered', () => {
  it('fires once when the ongoing balance falls to 50.00, though three concurrent batches cross it together; again only after a top-up lifted it above', async () => {
    // 200.00 granted: balance 20000 cents.
    const w = await wallet('wa-live', { code: 'main', granted_credits: '200' });
    await api.post('/customers/wa-live/wallets/main/alerts', { alert: {
      alert_type: 'wallet_ongoing_balance_amount', code: 'ongoing_low', name: 'Ongoing low', thresholds: [{ code: 'fifty', value: 5000 }],
    } }).expect(200);

    // 3 concurrent batches of 50 tokens: 150 × 100 = 15000 of usage; 20000 − 15000 = 5000, at the threshold.
    await Promise.all([send('wa-live-sub', 50), send('wa-live-sub', 50), send('wa-live-sub', 50)]);
    let webhooks = await triggeredWebhooks(w.lago_id);
    // Once: from the value the crossing evaluation saw before (20000, or 15000 or 10000 when a batch
    // evaluated before the others committed) to 5000.
    expect(webhooks).toHaveLength(1);
    expect(webhooks[0]).toEqual({
      lago_id: expect.any(String), lago_organization_id: api.organization.id, lago_alert_id: expect.any(String),
      lago_subscription_id: null, external_subscription_id: null, lago_wallet_id: w.lago_id, wallet_code: 'main',
      external_customer_id: 'wa-live', billable_metric_code: null,
      alert_type: 'wallet_ongoing_balance_amount', alert_code: 'ongoing_low', alert_name: 'Ongoing low',
      current_value: 5000, previous_value: expect.any(Number), triggered_at: '2027-01-10T12:00:00Z',
      crossed_thresholds: [{ code: 'fifty', value: '5000.0', recurring: false }],
    });
    expect([20000, 15000, 10000]).toContain(webhooks[0]!.previous_value);
    expect(await database.db('wallet_triggered_alerts').where({ wallet_id: w.lago_id })).toHaveLength(1);

    // 10 more tokens: 16000 of usage, 4000 left, still below: nothing more.
    await send('wa-live-sub', 10);
    expect(await triggeredWebhooks(w.lago_id)).toHaveLength(1);
    expect((await api.get('/customers/wa-live/wallets/main/alerts/ongoing_low')).body.alert).toMatchObject({ previous_value: 4000 });

    // A grant of 100.00: balance 30000, ongoing 30000 − 16000 = 14000, above again (evaluated after the transaction).
    await api.post('/wallet_transactions', { wallet_transaction: { wallet_id: w.lago_id, granted_credits: '100' } }).expect(200);
    expect((await api.get('/customers/wa-live/wallets/main/alerts/ongoing_low')).body.alert).toMatchObject({ previous_value: 14000 });
    expect(await triggeredWebhooks(w.lago_id)).toHaveLength(1);

    // 100 more tokens: 26000 of usage, 30000 − 26000 = 4000: a second fall below 5000.
    await send('wa-live-sub', 100);
    webhooks = await triggeredWebhooks(w.lago_id);
    expect(crossings(webhooks)).toEqual([
      ['ongoing_low', webhooks[0]!.previous_value, 5000, ['5000.0']],
      ['ongoing_low', 14000, 4000, ['5000.0']],
    ]);
  });

  it('balance alerts fire on a void, in cents and in credits', async () => {
    // 200.00 granted at 2.00 a credit: 100 credits, 20000 cents.
    const w = await wallet('wa-void', { code: 'main', rate_amount: '2', granted_credits: '100' });
    await api.post('/customers/wa-void/wallets/main/alerts', { alerts: [
      { alert_type: 'wallet_balance_amount', code: 'cents', thresholds: [{ value: 15000 }, { value: 5000 }] },
      { alert_type: 'wallet_credits_balance', code: 'credits', thresholds: [{ value: 80 }, { value: 20, recurring: true }] },
    ] }).expect(200);
    // Events move the ongoing balance, not the balance: nothing for these types.
    await send('wa-void-sub', 30);
    expect(await triggeredWebhooks(w.lago_id)).toEqual([]);

    // Void 30 credits: 70 credits, 14000 cents. Cents: 15000 in [14000, 20000). Credits: 80 in [70, 100).
    await api.post('/wallet_transactions', { wallet_transaction: { wallet_id: w.lago_id, voided_credits: '30' } }).expect(200);
    // Void 50 more: 20 credits, 4000 cents. Cents: 5000 in [4000, 14000). Credits: the steps below
    // 80 are 60, 40, 20: all in [20, 70).
    await api.post('/wallet_transactions', { wallet_transaction: { wallet_id: w.lago_id, voided_credits: '50' } }).expect(200);
    const webhooks = await triggeredWebhooks(w.lago_id);
    expect(crossings(webhooks.filter((x) => x.alert_code === 'cents'))).toEqual([['cents', 20000, 14000, ['15000.0']], ['cents', 14000, 4000, ['5000.0']]]);
    expect(crossings(webhooks.filter((x) => x.alert_code === 'credits'))).toEqual([['credits', 100, 70, ['80.0']], ['credits', 70, 20, ['20.0', '40.0', '60.0']]]);
    expect(webhooks).toHaveLength(4);
  });
});
