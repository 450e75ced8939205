/**
 * Live wallets (issue 15 pt 4): ongoing balances computed from the usage not yet invoiced, drawn
 * from a customer's wallets by priority and never negative; `applies_to` limiting what a wallet
 * pays, in its ongoing balance and on the invoice; the limits of a paid top-up.
 * Every figure is worked out by hand in the comment beside it.
 */
import request from 'supertest';
import { buildApp } from '../../src/api/app';
import type { SubscriptionWorkflows } from '../../src/workflows/client';
import { issueSubscriptionInvoice } from '../../src/services/invoicing';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { snapshotTables } from '../support/money';
import { insertMetric, insertPlan, insertSubscription, insertTax } from '../support/usage-fixtures';

let database: TestDatabase;
const nowMs = Date.parse('2027-01-10T12:00:00.000Z');
let api: Awaited<ReturnType<typeof makeApi>>;
let eventSeq = 0;

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
  };
}

interface WalletJson {
  lago_id: string;
  code: string;
  balance_cents: number;
  ongoing_balance_cents: number;
  ongoing_usage_balance_cents: number;
  credits_ongoing_balance: string;
  credits_ongoing_usage_balance: string;
}

/** `count` events of `code` on the subscription, in one batch, timestamped on 2027-01-05. */
async function send(subscription: string, code: string, count: number) {
  const events = Array.from({ length: count }, () => ({
    transaction_id: `lw-${++eventSeq}`, code, external_subscription_id: subscription, properties: {}, timestamp: '2027-01-05T10:00:00Z',
  }));
  const res = await api.post('/events/batch', { events });
  expect(res.status).toBe(200);
}

async function wallet(customer: string, body: Record<string, unknown>): Promise<WalletJson> {
  const res = await api.post(`/customers/${customer}/wallets`, { wallet: { currency: 'EUR', rate_amount: '1', ...body } });
  expect(res.status).toBe(200);
  return res.body.wallet as WalletJson;
}

/** The customer's wallets as GET /wallets shows them, by code: [ongoing balance, ongoing usage balance]. */
async function ongoing(customer: string): Promise<Record<string, [number, number]>> {
  const res = await api.get(`/wallets?external_customer_id=${customer}`);
  expect(res.status).toBe(200);
  const wallets = res.body.wallets as WalletJson[];
  // The customer-scoped read shows the same figures.
  for (const shown of wallets) {
    const one = await api.get(`/customers/${customer}/wallets/${shown.code}`);
    expect(one.body.wallet).toMatchObject({ ongoing_balance_cents: shown.ongoing_balance_cents, ongoing_usage_balance_cents: shown.ongoing_usage_balance_cents });
  }
  return Object.fromEntries(wallets.map((w) => [w.code, [w.ongoing_balance_cents, w.ongoing_usage_balance_cents]]));
}

beforeAll(async () => {
  database = await createTestDatabase();
  api = await makeApi('Live Wallets');
  const { db } = database;
  const orgId = api.organization.id;
  const tokens = await insertMetric(db, orgId, { code: 'tokens', aggregation_type: 'count_agg' });
  const storage = await insertMetric(db, orgId, { code: 'storage', aggregation_type: 'count_agg' });
  // 1.00 per token, 2.00 per storage event, billed in arrears; a 20.00 base fee in arrears.
  const plan = await insertPlan(db, orgId, {
    code: 'metered', amount_cents: 2000, amount_currency: 'EUR',
    charges: [
      { metricId: tokens.id, code: 'tokens', charge_model: 'standard', properties: { amount: '1' } },
      { metricId: storage.id, code: 'storage', charge_model: 'standard', properties: { amount: '2' } },
    ],
  });
  const startedAt = new Date('2027-01-01T00:00:00Z');
  for (const customer of ['alice', 'bob', 'dora']) {
    await insertSubscription(db, orgId, { customerExternalId: customer, externalId: `${customer}-sub`, planId: plan.id, startedAt, currency: 'EUR' });
  }
  for (const customer of ['erin', 'fred', 'gina', 'hank', 'ivan']) {
    await insertSubscription(db, orgId, { customerExternalId: customer, externalId: `${customer}-sub`, planId: plan.id, startedAt, currency: 'EUR' });
  }
  const bob = await db('customers').where({ organization_id: orgId, external_id: 'bob' }).first();
  await insertTax(db, orgId, 'vat_20', '20', bob.id);
});

afterAll(async () => database?.drop());

describe('ongoing balances', () => {
  it('two wallets drawn by priority, live after each batch, never negative', async () => {
    // A: priority 1, 10.00; B: priority 2, 50.00 (granted credits at 1.00 settle at once).
    const a = await wallet('alice', { code: 'a', priority: 1, granted_credits: '10' });
    const b = await wallet('alice', { code: 'b', priority: 2, granted_credits: '50' });
    expect(a).toMatchObject({ balance_cents: 1000, ongoing_balance_cents: 1000, ongoing_usage_balance_cents: 0 });
    expect(b).toMatchObject({ balance_cents: 5000, ongoing_balance_cents: 5000, ongoing_usage_balance_cents: 0 });

    // 4 tokens × 1.00 = 400: A pays it first, 1000 − 400 = 600; B untouched.
    await send('alice-sub', 'tokens', 4);
    expect(await ongoing('alice')).toEqual({ a: [600, 400], b: [5000, 0] });

    // 15 more: 19 × 1.00 = 1900; A gives all its 1000 (0 left), B the other 900: 5000 − 900 = 4100.
    await send('alice-sub', 'tokens', 15);
    expect(await ongoing('alice')).toEqual({ a: [0, 1000], b: [4100, 900] });
    const shownB = (await api.get(`/customers/alice/wallets/b`)).body.wallet as WalletJson;
    // Credits at 1.00 each: 41 and 9; the balance itself is not drawn until an invoice is.
    expect(shownB).toMatchObject({ balance_cents: 5000, credits_ongoing_balance: '41.0', credits_ongoing_usage_balance: '9.0' });

    // 50 more: 69 × 1.00 = 6900 > 1000 + 5000: both at 0, never below; the 900 left over is the invoice's to collect.
    await send('alice-sub', 'tokens', 50);
    expect(await ongoing('alice')).toEqual({ a: [0, 1000], b: [0, 5000] });
  });

  it('counts the usage with its taxes', async () => {
    // Bob pays 20% VAT: 4 tokens → 400 + 80 = 480; 10.00 − 4.80 = 5.20.
    await wallet('bob', { code: 'main', granted_credits: '10' });
    await send('bob-sub', 'tokens', 4);
    expect(await ongoing('bob')).toEqual({ main: [520, 480] });
  });
});

describe('applies_to', () => {
  it('a wallet limited to a metric pays neither the other metric nor the base fee, in its ongoing balance and on the invoice', async () => {
    // T pays only `tokens` charges (priority 1, 10.00); S only subscription fees (priority 2, 1.00).
    const t = await wallet('dora', { code: 't', priority: 1, granted_credits: '10', applies_to: { billable_metric_codes: ['tokens'] } });
    const s = await wallet('dora', { code: 's', priority: 2, granted_credits: '1', applies_to: { fee_types: ['subscription'] } });
    expect(t).toMatchObject({ applies_to: { fee_types: [], billable_metric_codes: ['tokens'] } });
    expect(s).toMatchObject({ applies_to: { fee_types: ['subscription'], billable_metric_codes: [] } });

    // 3 tokens (300) and 2 storage events (400). T pays the 300 of tokens: 1000 − 300 = 700.
    // S pays no usage (the base fee is not usage): 100. Nobody pays the 400 of storage.
    await send('dora-sub', 'tokens', 3);
    await send('dora-sub', 'storage', 2);
    expect(await ongoing('dora')).toEqual({ t: [700, 300], s: [100, 0] });

    // January's invoice: base fee 2000 + tokens 300 + storage 400 = 2700. T draws 300 (tokens only),
    // S draws 100 (of the 2000 base fee, all it holds); storage is paid by nobody: 2700 − 400 = 2300 due.
    const issued = await issueSubscriptionInvoice(database.db, { kind: 'periodic', subscriptionId: (await subscriptionId('dora-sub')), billingDate: '2027-02-01' });
    const invoice = await database.db('invoices').where({ id: issued!.invoiceId }).first();
    expect(invoice).toMatchObject({ fees_amount_cents: 2700n, prepaid_credit_amount_cents: 400n, total_amount_cents: 2300n });
    const draws = await database.db('wallet_transactions').where({ invoice_id: invoice.id, transaction_type: 'outbound' }).select('wallet_id', 'amount_cents');
    expect(Object.fromEntries(draws.map((d: { wallet_id: string; amount_cents: bigint }) => [d.wallet_id, d.amount_cents]))).toEqual({ [t.lago_id]: 300n, [s.lago_id]: 100n });
    const after = await api.get(`/wallets/${t.lago_id}`);
    // 1000 − 300 drawn = 700.
    expect(after.body.wallet).toMatchObject({ balance_cents: 700, applies_to: { billable_metric_codes: ['tokens'] } });
  });

  it('is changed by an update, and an unknown metric code is refused', async () => {
    const res = await api.put('/customers/dora/wallets/t', { wallet: { applies_to: { billable_metric_codes: ['nope'] } } });
    expect(res.status).toBe(422);
    expect(res.body.error_details).toEqual({ applies_to: ['invalid_limitations'] });
    const bad = await api.post('/customers/dora/wallets', { wallet: { code: 'x', currency: 'EUR', rate_amount: '1', applies_to: { fee_types: ['add_on'] } } });
    expect(bad.status).toBe(422);
    const cleared = await api.put('/customers/dora/wallets/t', { wallet: { applies_to: { billable_metric_codes: [], fee_types: ['charge'] } } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.wallet.applies_to).toEqual({ fee_types: ['charge'], billable_metric_codes: [] });
  });
});

describe('paid top-up limits', () => {
  it('refuses a paid top-up outside them with 422 naming paid_credits, unless told to ignore them', async () => {
    // Limits 5.00 … 20.00 at 1.00 a credit.
    const w = await wallet('erin', { code: 'limited', paid_top_up_min_amount_cents: 500, paid_top_up_max_amount_cents: 2000 });
    expect(w).toMatchObject({ paid_top_up_min_amount_cents: 500, paid_top_up_max_amount_cents: 2000 });
    const before = await snapshotTables(database.db);
    const top = (body: Record<string, unknown>) => api.post('/wallet_transactions', { wallet_transaction: { wallet_id: w.lago_id, ...body } });
    // 4 credits = 400 < 500; 20.01 credits = 2001 > 2000.
    const low = await top({ paid_credits: '4' });
    expect([low.status, low.body.error_details]).toEqual([422, { paid_credits: ['amount_below_minimum'] }]);
    const high = await top({ paid_credits: '20.01' });
    expect([high.status, high.body.error_details]).toEqual([422, { paid_credits: ['amount_above_maximum'] }]);
    // Granted credits are not a paid top-up: no limit applies, but a bad paid amount refuses the whole request.
    const mixed = await top({ paid_credits: '4', granted_credits: '1' });
    expect(mixed.status).toBe(422);
    // A wallet created with paid credits beyond its own limits.
    const created = await api.post('/customers/erin/wallets', { wallet: { code: 'over', currency: 'EUR', rate_amount: '1', paid_credits: '30', paid_top_up_max_amount_cents: 2000 } });
    expect([created.status, created.body.error_details]).toEqual([422, { paid_credits: ['amount_above_maximum'] }]);
    // max < min.
    const inverted = await api.post('/customers/erin/wallets', { wallet: { code: 'inv', currency: 'EUR', rate_amount: '1', paid_top_up_min_amount_cents: 500, paid_top_up_max_amount_cents: 400 } });
    expect([inverted.status, inverted.body.error_details]).toEqual([422, { paid_top_up_max_amount_cents: ['must_be_greater_than_or_equal_min'] }]);
    expect(await snapshotTables(database.db)).toEqual(before);

    // Within the limits (5.00 and 20.00 exactly), or told to ignore them: a pending purchase each.
    expect((await top({ paid_credits: '5' })).status).toBe(200);
    expect((await top({ paid_credits: '20' })).status).toBe(200);
    const ignored = await top({ paid_credits: '25', ignore_paid_top_up_limits: true });
    expect(ignored.status).toBe(200);
    expect(ignored.body.wallet_transactions[0]).toMatchObject({ status: 'pending', transaction_status: 'purchased', credit_amount: '25.0' });
    const onCreation = await api.post('/customers/erin/wallets', { wallet: {
      code: 'over', currency: 'EUR', rate_amount: '1', paid_credits: '30', paid_top_up_max_amount_cents: 2000, ignore_paid_top_up_limits_on_creation: true,
    } });
    expect(onCreation.status).toBe(200);
  });
});

describe('threshold top-ups (recurring_transaction_rules)', () => {
  const transactionsOf = async (walletId: string) => (await api.get(`/wallets/${walletId}/wallet_transactions?transaction_type=inbound`)).body.wallet_transactions as
    { lago_invoice_id: string | null; source: string; status: string; transaction_status: string; credit_amount: string }[];

  it('fires once when the ongoing balance crosses below, not once per event, and again after the next crossing', async () => {
    // 10.00 granted; below 5 credits, a paid top-up of 10 credits.
    const created = await api.post('/customers/fred/wallets', { wallet: {
      code: 'auto', currency: 'EUR', rate_amount: '1', granted_credits: '10',
      recurring_transaction_rules: [{ trigger: 'threshold', method: 'fixed', threshold_credits: '5', paid_credits: '10', transaction_name: 'Auto top-up' }],
    } });
    expect(created.status).toBe(200);
    const w = created.body.wallet;
    expect(w.recurring_transaction_rules).toEqual([expect.objectContaining({
      trigger: 'threshold', method: 'fixed', status: 'active', threshold_credits: '5.0', paid_credits: '10.0', granted_credits: '0.0', interval: null,
      target_ongoing_balance: null, grants_target_top_up: null, transaction_name: 'Auto top-up', ignore_paid_top_up_limits: false,
    })]);
    const topUps = async () => (await transactionsOf(w.lago_id)).filter((t) => t.source === 'threshold');

    // 4 tokens: ongoing 10 − 4 = 6 > 5: nothing.
    await send('fred-sub', 'tokens', 4);
    expect(await topUps()).toHaveLength(0);
    // 1 more: 10 − 5 = 5 ≤ 5: one paid top-up of 10 credits, pending on its credit invoice (1000 cents).
    await send('fred-sub', 'tokens', 1);
    let fired = await topUps();
    expect(fired).toEqual([expect.objectContaining({ status: 'pending', transaction_status: 'purchased', credit_amount: '10.0' })]);
    // Three more batches below the threshold (ongoing 4, 3, 2 credits): still that one.
    for (let i = 0; i < 3; i++) await send('fred-sub', 'tokens', 1);
    expect(await topUps()).toHaveLength(1);

    // The purchase is paid: balance 1000 + 1000 = 2000, ongoing 2000 − 800 = 12.00 credits.
    const paid = await api.put(`/invoices/${fired[0]!.lago_invoice_id}`, { invoice: { payment_status: 'succeeded' } });
    expect(paid.status).toBe(200);
    expect((await api.get(`/wallets/${w.lago_id}`)).body.wallet).toMatchObject({ balance_cents: 2000, ongoing_balance_cents: 1200 });
    // 6 more: 2000 − 1400 = 6.00 > 5: nothing; 1 more: 5.00: the second crossing tops up once more.
    await send('fred-sub', 'tokens', 6);
    expect(await topUps()).toHaveLength(1);
    await send('fred-sub', 'tokens', 1);
    fired = await topUps();
    expect(fired).toHaveLength(2);
  });

  it('does not fire again for the same crossing when its paid top-up failed', async () => {
    const created = await api.post('/customers/ivan/wallets', { wallet: {
      code: 'auto', currency: 'EUR', rate_amount: '1', granted_credits: '10',
      recurring_transaction_rules: [{ trigger: 'threshold', threshold_credits: '5', paid_credits: '10' }],
    } });
    const w = created.body.wallet;
    // 5 tokens: 10 − 5 = 5 ≤ 5: a pending purchase of 10 credits.
    await send('ivan-sub', 'tokens', 5);
    const [purchase] = (await transactionsOf(w.lago_id)).filter((t) => t.source === 'threshold');
    // Its payment fails: nothing pending any more, ongoing 5 − 1 = 4 after one more event, still the same crossing.
    expect((await api.put(`/invoices/${purchase!.lago_invoice_id}`, { invoice: { payment_status: 'failed' } })).status).toBe(200);
    await send('ivan-sub', 'tokens', 1);
    const after = (await transactionsOf(w.lago_id)).filter((t) => t.source === 'threshold');
    expect(after).toEqual([expect.objectContaining({ status: 'failed', transaction_status: 'purchased' })]);
  });

  it('fires once although three concurrent batches cross together', async () => {
    // 10.00 granted; below 5 credits, 10 granted credits. Three batches of 2 tokens: 10 − 6 = 4 ≤ 5.
    const created = await api.post('/customers/gina/wallets', { wallet: {
      code: 'auto', currency: 'EUR', rate_amount: '1', granted_credits: '10',
      recurring_transaction_rules: [{ trigger: 'threshold', threshold_credits: '5', granted_credits: '10' }],
    } });
    expect(created.status).toBe(200);
    const w = created.body.wallet;
    await Promise.all([0, 1, 2].map(() => send('gina-sub', 'tokens', 2)));
    const granted = (await transactionsOf(w.lago_id)).filter((t) => t.source === 'threshold');
    expect(granted).toEqual([expect.objectContaining({ status: 'settled', transaction_status: 'granted', credit_amount: '10.0' })]);
    // 1000 + 1000 granted = 2000; ongoing 2000 − 600 = 1400.
    expect((await api.get(`/wallets/${w.lago_id}`)).body.wallet).toMatchObject({ balance_cents: 2000, ongoing_balance_cents: 1400 });

    // Voiding 10 credits lowers it to 1000 − 600 = 4.00 ≤ 5: a new crossing, 10 more granted: 1000 + 1000 = 2000.
    const voided = await api.post('/wallet_transactions', { wallet_transaction: { wallet_id: w.lago_id, voided_credits: '10' } });
    expect(voided.status).toBe(200);
    expect((await transactionsOf(w.lago_id)).filter((t) => t.source === 'threshold')).toHaveLength(2);
    expect((await api.get(`/wallets/${w.lago_id}`)).body.wallet).toMatchObject({ balance_cents: 2000, ongoing_balance_cents: 1400 });
  });

  it('tops up to the target ongoing balance, and a rule can be replaced, then removed', async () => {
    // 10.00 granted; at or below 4 credits, a paid top-up up to an ongoing balance of 25.
    const created = await api.post('/customers/hank/wallets', { wallet: {
      code: 'auto', currency: 'EUR', rate_amount: '1', granted_credits: '10',
      recurring_transaction_rules: [{ trigger: 'threshold', method: 'target', threshold_credits: '4', target_ongoing_balance: '25' }],
    } });
    expect(created.status).toBe(200);
    const w = created.body.wallet;
    // 7 tokens: 10 − 7 = 3 ≤ 4: pays 25 − 3 = 22 credits.
    await send('hank-sub', 'tokens', 7);
    expect((await transactionsOf(w.lago_id)).filter((t) => t.source === 'threshold'))
      .toEqual([expect.objectContaining({ status: 'pending', transaction_status: 'purchased', credit_amount: '22.0' })]);

    const ruleId = w.recurring_transaction_rules[0].lago_id as string;
    const changed = await api.put('/customers/hank/wallets/auto', { wallet: { recurring_transaction_rules: [{ lago_id: ruleId, trigger: 'threshold', threshold_credits: '2', granted_credits: '1' }] } });
    expect(changed.status).toBe(200);
    expect(changed.body.wallet.recurring_transaction_rules).toEqual([expect.objectContaining({ lago_id: ruleId, method: 'fixed', threshold_credits: '2.0', granted_credits: '1.0' })]);
    const removed = await api.put('/customers/hank/wallets/auto', { wallet: { recurring_transaction_rules: [] } });
    expect(removed.body.wallet.recurring_transaction_rules).toEqual([]);
  });

  it('refuses incomplete rules', async () => {
    const interval = await api.post('/customers/hank/wallets', { wallet: { code: 'iv', currency: 'EUR', rate_amount: '1', recurring_transaction_rules: [{ trigger: 'interval', paid_credits: '10' }] } });
    expect([interval.status, interval.body.error_details]).toEqual([422, { 'recurring_transaction_rules.0.interval': ['value_is_mandatory'] }]);
    const two = await api.post('/customers/hank/wallets', { wallet: { code: 'two', currency: 'EUR', rate_amount: '1', recurring_transaction_rules: [
      { trigger: 'threshold', threshold_credits: '1', granted_credits: '1' }, { trigger: 'interval', interval: 'weekly', granted_credits: '1' },
    ] } });
    expect(two.status).toBe(422);
    const noThreshold = await api.post('/customers/hank/wallets', { wallet: { code: 'nt', currency: 'EUR', rate_amount: '1', recurring_transaction_rules: [{ trigger: 'threshold', paid_credits: '10' }] } });
    expect([noThreshold.status, noThreshold.body.error_details]).toEqual([422, { 'recurring_transaction_rules.0.threshold_credits': ['value_is_mandatory'] }]);
    const belowTarget = await api.post('/customers/hank/wallets', { wallet: { code: 'bt', currency: 'EUR', rate_amount: '1', recurring_transaction_rules: [{ trigger: 'threshold', method: 'target', threshold_credits: '10', target_ongoing_balance: '5' }] } });
    expect([belowTarget.status, belowTarget.body.error_details]).toEqual([422, { 'recurring_transaction_rules.0.target_ongoing_balance': ['must_be_greater_than_or_equal_threshold'] }]);
  });
});

async function subscriptionId(externalId: string): Promise<string> {
  const row = await database.db('subscriptions').where({ organization_id: api.organization.id, external_id: externalId }).first();
  return row.id as string;
}
