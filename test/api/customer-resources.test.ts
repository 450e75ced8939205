/**
 * What Lago serves under a customer: its invoices, subscriptions, credit notes and wallets (the
 * org-wide lists narrowed to it, 404 for an unknown customer, Lago's parameters honoured or refused
 * by name), its wallets by code, and past usage from the fees billed per closed period.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { seedCustomer, seedInvoice, snapshotTables } from '../support/money';
import { seedInvoicelessFee, seedLedgerInvoice, seedSubscription } from '../support/ledger';
import type { CustomerRow } from '../../src/db/customers';

type Api = Awaited<ReturnType<typeof createPlainTestApi>>;
let database: TestDatabase;
let api: Api;
let other: Api;
let alice: CustomerRow;
let bob: CustomerRow;
const NOW = Date.parse('2027-03-10T12:00:00Z');
const ids: Record<string, string> = {};
const listed = (body: Record<string, { lago_id: string }[]>, root: string) => body[root]!.map((item) => item.lago_id);

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Customer Co', { now: () => NOW });
  other = await createPlainTestApi(database.db, 'Other Co', { now: () => NOW });
  const { db } = database;
  alice = await seedCustomer(db, api.organization.id, 'alice');
  bob = await seedCustomer(db, api.organization.id, 'bob');
  const a1 = await seedInvoice(db, api.organization, alice, { fees: [{ amountCents: 1000n }] });
  const a2 = await seedInvoice(db, api.organization, alice, { fees: [{ amountCents: 2000n }], paymentStatus: 'succeeded' });
  await seedInvoice(db, api.organization, bob, { fees: [{ amountCents: 3000n }] });
  Object.assign(ids, { a1: a1.invoice.id, a2: a2.invoice.id });
  ids.note = (await api.post('/credit_notes', { credit_note: { invoice_id: a1.invoice.id, credit_amount_cents: 100, items: [{ fee_id: a1.feeIds[0], amount_cents: 100 }] } })).body.credit_note.lago_id;
  await api.post('/credit_notes', { credit_note: { invoice_id: (await seedInvoice(db, api.organization, bob, { fees: [{ amountCents: 500n }] })).invoice.id, credit_amount_cents: 50, items: [{ fee_id: (await db('fees').orderBy('created_at', 'desc').first()).id, amount_cents: 50 }] } });
});
afterAll(async () => database?.drop());

describe('lists under a customer', () => {
  test("invoices: the customer's only, newest first, GET /invoices' filters; self_billed/payment_dispute_lost true select none", async () => {
    expect(listed((await api.get('/customers/alice/invoices')).body, 'invoices')).toEqual([ids.a2, ids.a1]);
    expect(listed((await api.get('/customers/alice/invoices?payment_status=succeeded')).body, 'invoices')).toEqual([ids.a2]);
    expect(listed((await api.get('/customers/alice/invoices?amount_from=1500')).body, 'invoices')).toEqual([ids.a2]);
    expect(listed((await api.get('/customers/alice/invoices?self_billed=false&payment_dispute_lost=false')).body, 'invoices')).toEqual([ids.a2, ids.a1]);
    expect((await api.get('/customers/alice/invoices?self_billed=true')).body).toMatchObject({ invoices: [], meta: { total_count: 0 } });
    // A query external_customer_id cannot widen it.
    expect(listed((await api.get('/customers/alice/invoices?external_customer_id=bob')).body, 'invoices')).toEqual([ids.a2, ids.a1]);
  });

  test('credit notes and wallets: the customer\'s only', async () => {
    expect(listed((await api.get('/customers/alice/credit_notes')).body, 'credit_notes')).toEqual([ids.note]);
    const wallet = (await api.post('/wallets', { wallet: { external_customer_id: 'bob', rate_amount: '1', currency: 'EUR' } })).body.wallet;
    expect((await api.get('/customers/alice/wallets')).body).toMatchObject({ wallets: [], meta: { total_count: 0 } });
    expect(listed((await api.get('/customers/bob/wallets')).body, 'wallets')).toEqual([wallet.lago_id]);
  });

  test('an unknown customer, or another organization\'s, is customer_not_found on every list', async () => {
    for (const path of ['invoices', 'subscriptions', 'credit_notes', 'wallets', 'past_usage?external_subscription_id=x']) {
      expect((await api.get(`/customers/nobody/${path}`)).body).toEqual({ status: 404, error: 'Not Found', code: 'customer_not_found' });
      expect((await other.get(`/customers/alice/${path}`)).body).toEqual({ status: 404, error: 'Not Found', code: 'customer_not_found' });
    }
  });

  test("Lago parameters Billow does not honour are refused by name; bad values are 422s", async () => {
    const cases: [string, string][] = [
      ['invoices?search_term=x', 'search_term'], ['invoices?metadata[color]=blue', 'metadata'],
      ['invoices?self_billed=maybe', 'self_billed'], ['invoices?payment_overdue=maybe', 'payment_overdue'], ['invoices?status=paid', 'status'],
      ['subscriptions?status[]=sleeping', 'status'], ['subscriptions?billing_entity_codes[]=x', 'billing_entity_codes'],
      ['credit_notes?reason=other', 'reason'], ['credit_notes?amount_from=1', 'amount_from'], ['wallets?currency=EUR', 'currency'],
    ];
    for (const [path, field] of cases) {
      const response = await api.get(`/customers/alice/${path}`);
      expect({ path, status: response.status, details: response.body.error_details }).toEqual({ path, status: 422, details: { [field]: [expect.any(String)] } });
    }
    expect((await api.get('/customers/alice/invoices?search_term=x')).body.error_details).toEqual({ search_term: ['feature_not_supported'] });
  });
});

describe('subscriptions under a customer', () => {
  test('active by default, status[] widens it, plan_code narrows it', async () => {
    const plan = (await api.post('/plans', { plan: { name: 'Sub plan', code: 'sub_plan', interval: 'monthly', amount_cents: 100, amount_currency: 'EUR', pay_in_advance: false } })).body.plan;
    const planRow = (await database.db('plans').where({ id: plan.lago_id }).first())!;
    const active = await seedSubscription(database.db, alice, planRow, 'alice_active', { startedAt: '2027-01-01T00:00:00Z' });
    const ended = await seedSubscription(database.db, alice, planRow, 'alice_ended', { startedAt: '2026-01-01T00:00:00Z', terminatedAt: '2026-12-31T00:00:00Z' });
    await seedSubscription(database.db, bob, planRow, 'bob_active', { startedAt: '2027-01-01T00:00:00Z' });
    expect(listed((await api.get('/customers/alice/subscriptions')).body, 'subscriptions')).toEqual([active.id]);
    expect(listed((await api.get('/customers/alice/subscriptions?status[]=terminated&status[]=active')).body, 'subscriptions').sort()).toEqual([active.id, ended.id].sort());
    expect((await api.get('/customers/alice/subscriptions?plan_code=other')).body.subscriptions).toEqual([]);
    expect((await api.get('/customers/alice/subscriptions')).body.subscriptions[0]).toMatchObject({ external_id: 'alice_active', external_customer_id: 'alice', plan_code: 'sub_plan' });
  });
});

describe('wallets by code', () => {
  test("POST makes Lago's code from the name when none is given, suffixed when taken; GET/PUT/DELETE reach it by code", async () => {
    const first = await api.post('/customers/alice/wallets', { wallet: { name: 'Main Wallet – Été', rate_amount: '1', currency: 'EUR', granted_credits: '10' } });
    expect(first.status).toBe(200);
    expect(first.body.wallet).toMatchObject({ code: 'main_wallet_ete', external_customer_id: 'alice', balance_cents: 1000, status: 'active' });
    // Taken among alice's active wallets: `_<unix seconds>` of now (2027-03-10T12:00:00Z = 1804680000).
    const second = await api.post('/customers/alice/wallets', { wallet: { name: 'Main wallet ete', rate_amount: '1', currency: 'EUR' } });
    expect(second.body.wallet.code).toBe('main_wallet_ete_1804680000');
    const unnamed = await api.post('/customers/alice/wallets', { wallet: { rate_amount: '2', currency: 'EUR' } });
    expect(unnamed.body.wallet.code).toBe('default');

    expect((await api.get('/customers/alice/wallets/main_wallet_ete')).body.wallet.lago_id).toBe(first.body.wallet.lago_id);
    const renamed = await api.put('/customers/alice/wallets/main_wallet_ete', { wallet: { name: 'Renamed', priority: 3 } });
    expect(renamed.body.wallet).toMatchObject({ lago_id: first.body.wallet.lago_id, name: 'Renamed', priority: 3, code: 'main_wallet_ete' });
    const terminated = await api.delete('/customers/alice/wallets/main_wallet_ete');
    expect(terminated.body.wallet).toMatchObject({ lago_id: first.body.wallet.lago_id, status: 'terminated' });
    // The code now names the terminated wallet, until an active one takes it again.
    expect((await api.get('/customers/alice/wallets/main_wallet_ete')).body.wallet).toMatchObject({ lago_id: first.body.wallet.lago_id, status: 'terminated' });
    const again = await api.post('/customers/alice/wallets', { wallet: { code: 'main_wallet_ete', rate_amount: '1', currency: 'EUR' } });
    expect((await api.get('/customers/alice/wallets/main_wallet_ete')).body.wallet.lago_id).toBe(again.body.wallet.lago_id);
  });

  test("Lago's wallet `metadata`: set on creation, replaced or cleared on update", async () => {
    const metadataOf = async (id: string) => ((await database.db('wallets').where({ id }).first()) as { metadata: unknown }).metadata;
    const created = (await api.post('/customers/alice/wallets', { wallet: { code: 'tagged', rate_amount: '1', currency: 'EUR', metadata: { crm: 'w-1', note: null } } })).body.wallet;
    expect(await metadataOf(created.lago_id)).toEqual({ crm: 'w-1', note: null });
    await api.put('/customers/alice/wallets/tagged', { wallet: { metadata: { crm: 'w-2' } } });
    expect(await metadataOf(created.lago_id)).toEqual({ crm: 'w-2' });
    await api.put('/customers/alice/wallets/tagged', { wallet: { name: 'kept' } });
    expect(await metadataOf(created.lago_id)).toEqual({ crm: 'w-2' });
    await api.put('/customers/alice/wallets/tagged', { wallet: { metadata: null } });
    expect(await metadataOf(created.lago_id)).toBeNull();
    const before = await snapshotTables(database.db);
    const bad = await api.put('/customers/alice/wallets/tagged', { wallet: { name: 'not applied', metadata: { k: 7 } } });
    expect(bad.body.error_details).toEqual({ 'metadata.k': ['value_is_invalid'] });
    expect(await snapshotTables(database.db)).toBe(before);
  });

  test("another customer's code, an unknown code, a body naming another customer: refused, nothing written", async () => {
    const before = await snapshotTables(database.db);
    expect((await api.get('/customers/bob/wallets/default')).body.code).toBe('wallet_not_found');
    expect((await api.put('/customers/alice/wallets/nope', { wallet: { name: 'x' } })).body.code).toBe('wallet_not_found');
    expect((await api.delete('/customers/alice/wallets/nope')).body.code).toBe('wallet_not_found');
    const mismatch = await api.post('/customers/alice/wallets', { wallet: { external_customer_id: 'bob', rate_amount: '1', currency: 'EUR' } });
    expect(mismatch.body.error_details).toEqual({ external_customer_id: ['value_is_invalid'] });
    expect((await api.post('/customers/alice/wallets', { wallet: { rate_amount: '1', currency: 'USD' } })).body.error_details).toEqual({ currency: ['currencies_does_not_match'] });
    const taken = await api.post('/customers/alice/wallets', { wallet: { code: 'default', rate_amount: '1', currency: 'EUR' } });
    expect({ status: taken.status, body: taken.body }).toEqual({ status: 422, body: expect.objectContaining({ error_details: { code: ['value_already_exist'] } }) });
    expect((await other.post('/customers/alice/wallets', { wallet: { rate_amount: '1', currency: 'EUR' } })).body.code).toBe('customer_not_found');
    expect(await snapshotTables(database.db)).toBe(before);
  });
});

describe('past usage', () => {
  /**
   * Subscription `usage_sub` of carol (two rows: a plan change kept the external id), charges
   * `calls` (standard) and `bytes` (with an `eu` filter), and `seats` in advance without invoice:
   * - January, closed by the invoice of 2027-02-01: calls 12 units 1200 + tax 240; bytes default
   *   bucket 3 units 300 and eu bucket 5 units 1000; the base fee 5000 (not usage); another
   *   subscription's usage fee on the same invoice (not carol's usage_sub).
   * - February, closed by the invoice of 2027-03-01 (the new plan's row): calls 5 units 500, and
   *   a seat billed without an invoice on 2027-02-10 (700); a deleted one (900) does not count.
   * - A voided invoice closing February again, and an in-advance invoice, are not periods.
   */
  let january: string;
  let february: string;

  beforeAll(async () => {
    const { db } = database;
    const org = api.organization;
    const carol = await seedCustomer(db, org.id, 'carol');
    const calls = (await api.post('/billable_metrics', { billable_metric: { name: 'Calls', code: 'pu_calls', aggregation_type: 'count_agg' } })).body.billable_metric;
    const bytes = (await api.post('/billable_metrics', { billable_metric: { name: 'Bytes', code: 'pu_bytes', aggregation_type: 'sum_agg', field_name: 'n', filters: [{ key: 'region', values: ['eu', 'us'] }] } })).body.billable_metric;
    const seats = (await api.post('/billable_metrics', { billable_metric: { name: 'Seats', code: 'pu_seats', aggregation_type: 'sum_agg', field_name: 'n' } })).body.billable_metric;
    const plan = (await api.post('/plans', { plan: { name: 'Usage', code: 'usage_plan', interval: 'monthly', amount_cents: 5000, amount_currency: 'EUR', pay_in_advance: false, charges: [
      { billable_metric_id: calls.lago_id, charge_model: 'standard', properties: { amount: '1' } },
      { billable_metric_id: bytes.lago_id, charge_model: 'standard', properties: { amount: '1' }, filters: [{ invoice_display_name: 'Europe', properties: { amount: '2' }, values: { region: ['eu'] } }] },
      { billable_metric_id: seats.lago_id, charge_model: 'standard', pay_in_advance: true, invoiceable: false, properties: { amount: '7' } },
    ] } })).body.plan;
    const planRow = (await db('plans').where({ id: plan.lago_id }).first())!;
    const [callsCharge, bytesCharge, seatsCharge] = plan.charges as { lago_id: string; filters: { lago_id: string }[] }[];
    const old = await seedSubscription(db, carol, planRow, 'usage_sub', { startedAt: '2027-01-01T00:00:00Z', terminatedAt: '2027-02-01T00:00:00Z' });
    const current = await seedSubscription(db, carol, planRow, 'usage_sub', { startedAt: '2027-02-01T00:00:00Z' });
    const stranger = await seedSubscription(db, carol, planRow, 'other_sub', { startedAt: '2027-01-01T00:00:00Z' });
    const period = (subscription: { id: string }, from: string, to: string, reason = 'subscription_periodic') => ({
      lago_subscription_id: subscription.id, external_subscription_id: 'usage_sub', lago_plan_id: planRow.id, charges_from_datetime: from, charges_to_datetime: to, invoicing_reason: reason,
    });
    const jan = ['2027-01-01T00:00:00.000Z', '2027-01-31T23:59:59.999Z'] as const;
    const feb = ['2027-02-01T00:00:00.000Z', '2027-02-28T23:59:59.999Z'] as const;
    january = (await seedLedgerInvoice(db, org, carol, { issuingDate: '2027-02-01', billingPeriods: [period(old, ...jan), { ...period(stranger, ...jan), external_subscription_id: 'other_sub' }], fees: [
      { kind: 'subscription', amountCents: 5000n, subscriptionId: old.id, from: jan[0], to: jan[1], billedDays: 31, fullDays: 31 },
      { kind: 'charge', amountCents: 1200n, taxesCents: 240n, units: '12', eventsCount: 12, subscriptionId: old.id, chargeId: callsCharge!.lago_id, feeKey: `${old.id}:charge:${callsCharge!.lago_id}` },
      { kind: 'charge', amountCents: 300n, units: '3', eventsCount: 2, subscriptionId: old.id, chargeId: bytesCharge!.lago_id, feeKey: `${old.id}:charge:${bytesCharge!.lago_id}` },
      { kind: 'charge', amountCents: 1000n, units: '5', eventsCount: 4, subscriptionId: old.id, chargeId: bytesCharge!.lago_id, feeKey: `${old.id}:charge:${bytesCharge!.lago_id}:${bytesCharge!.filters[0]!.lago_id}` },
      { kind: 'charge', amountCents: 9999n, units: '1', subscriptionId: stranger.id, chargeId: callsCharge!.lago_id },
    ] })).invoice.id;
    february = (await seedLedgerInvoice(db, org, carol, { issuingDate: '2027-03-01', billingPeriods: [period(current, ...feb)], fees: [
      { kind: 'charge', amountCents: 500n, units: '5', eventsCount: 5, subscriptionId: current.id, chargeId: callsCharge!.lago_id },
    ] })).invoice.id;
    await seedLedgerInvoice(db, org, carol, { issuingDate: '2027-03-01', status: 'voided', billingPeriods: [period(current, ...feb)], fees: [
      { kind: 'charge', amountCents: 4444n, units: '4', subscriptionId: current.id, chargeId: callsCharge!.lago_id },
    ] });
    await seedLedgerInvoice(db, org, carol, { issuingDate: '2027-02-12', billingPeriods: [period(current, ...feb, 'in_advance_charge')], fees: [] });
    await seedInvoicelessFee(db, org.id, { kind: 'charge', amountCents: 700n, units: '1', eventsCount: 1, subscriptionId: current.id, chargeId: seatsCharge!.lago_id, from: '2027-02-10T09:00:00Z', to: feb[1] });
    const deleted = await seedInvoicelessFee(db, org.id, { kind: 'charge', amountCents: 900n, units: '1', subscriptionId: current.id, chargeId: seatsCharge!.lago_id, from: '2027-02-11T09:00:00Z', to: feb[1] });
    expect((await api.delete(`/fees/${deleted.id}`)).status).toBe(200);
  });

  test('per closed period, newest first, from the usage fees billed', async () => {
    const response = await api.get('/customers/carol/past_usage?external_subscription_id=usage_sub');
    expect(response.status).toBe(200);
    expect(response.body.meta).toEqual({ current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 2 });
    const [feb, jan] = response.body.usage_periods;
    // February: calls 500 + the seat billed without an invoice 700 = 1200, untaxed.
    expect(feb).toMatchObject({
      from_datetime: '2027-02-01T00:00:00Z', to_datetime: '2027-02-28T23:59:59Z', issuing_date: '2027-03-01', currency: 'EUR',
      amount_cents: 1200, taxes_amount_cents: 0, total_amount_cents: 1200, lago_invoice_id: february,
    });
    expect(feb.charges_usage.map((line: { billable_metric: { code: string }; amount_cents: number; units: string }) => [line.billable_metric.code, line.amount_cents, line.units]))
      .toEqual([['pu_calls', 500, '5.0'], ['pu_seats', 700, '1.0']]);
    // January: calls 1200 + bytes 300 + 1000 = 2500, tax 240, total 2740 (the base fee 5000 and the other subscription's 9999 are not its usage).
    expect(jan).toMatchObject({ issuing_date: '2027-02-01', amount_cents: 2500, taxes_amount_cents: 240, total_amount_cents: 2740, lago_invoice_id: january });
    const bytes = jan.charges_usage.find((line: { billable_metric: { code: string } }) => line.billable_metric.code === 'pu_bytes');
    expect(bytes).toMatchObject({
      units: '8.0', total_aggregated_units: '8.0', events_count: 6, amount_cents: 1300, amount_currency: 'EUR',
      charge: { code: 'pu_bytes', charge_model: 'standard' }, billable_metric: { name: 'Bytes', code: 'pu_bytes', aggregation_type: 'sum_agg' },
      filters: [
        { units: '3.0', amount_cents: 300, events_count: 2, invoice_display_name: null, values: null },
        { units: '5.0', amount_cents: 1000, events_count: 4, invoice_display_name: 'Europe', values: { region: ['eu'] } },
      ],
      grouped_usage: [], presentation_breakdowns: [],
    });
  });

  test('billable_metric_code, periods_count and pages narrow it', async () => {
    const calls = (await api.get('/customers/carol/past_usage?external_subscription_id=usage_sub&billable_metric_code=pu_calls')).body.usage_periods;
    // Calls only: February 500; January 1200 + 240 tax.
    expect(calls.map((p: { amount_cents: number; taxes_amount_cents: number }) => [p.amount_cents, p.taxes_amount_cents])).toEqual([[500, 0], [1200, 240]]);
    const newest = (await api.get('/customers/carol/past_usage?external_subscription_id=usage_sub&periods_count=1')).body;
    expect({ invoices: newest.usage_periods.map((p: { lago_invoice_id: string }) => p.lago_invoice_id), total: newest.meta.total_count }).toEqual({ invoices: [february], total: 1 });
    const second = (await api.get('/customers/carol/past_usage?external_subscription_id=usage_sub&per_page=1&page=2')).body;
    expect(second.usage_periods.map((p: { lago_invoice_id: string }) => p.lago_invoice_id)).toEqual([january]);
    expect((await api.get('/customers/carol/past_usage?external_subscription_id=nobody')).body).toMatchObject({ usage_periods: [], meta: { total_count: 0 } });
  });

  test('external_subscription_id is required; an unknown metric is a 404; bad counts are 422s', async () => {
    expect((await api.get('/customers/carol/past_usage')).body.error_details).toEqual({ external_subscription_id: ['value_is_mandatory'] });
    expect((await api.get('/customers/carol/past_usage?external_subscription_id=usage_sub&billable_metric_code=nope')).body.code).toBe('billable_metric_not_found');
    for (const count of ['0', '-1', 'many', '1001']) {
      const response = await api.get(`/customers/carol/past_usage?external_subscription_id=usage_sub&periods_count=${count}`);
      expect({ count, status: response.status, fields: Object.keys(response.body.error_details ?? {}) }).toEqual({ count, status: 422, fields: ['periods_count'] });
    }
  });
});
