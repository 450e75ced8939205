/**
 * Every answer in Lago's shape: the answers a tour of every operation gets (test/support/contract-tour.ts)
 * are validated against the response schema Lago's OpenAPI description gives that operation and
 * status (ajv, every `$ref` resolved): required fields present, types right, enums in range. Lago's
 * description is read from ../shared/reference beside the repository; without it this test fails.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { operationsFor, openApiPath } from '../../src/api/openapi';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv, startTestWorker } from '../support/temporal';
import { operationOf, runContractTour, type Exchange } from '../support/contract-tour';
import { distinctViolations, loadLagoSpec, ResponseContract, type Violation } from '../support/response-contract';
import { applyErrata, LAGO_RESPONSE_ERRATA } from '../support/lago-response-errata';

const TASK_QUEUE = 'contract-responses';
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let stopWorker: () => Promise<void>;
let exchanges: Exchange[];
let lago: ResponseContract;
let staleErrata: string[];

beforeAll(async () => {
  const { spec, stale } = applyErrata(loadLagoSpec(), LAGO_RESPONSE_ERRATA);
  staleErrata = stale;
  lago = new ResponseContract(spec, "Lago's OpenAPI description");
  env = await createTimeSkippingEnv();
  database = await createTestDatabase();
  stopWorker = await startTestWorker(env, database.db, TASK_QUEUE);
  exchanges = await runContractTour({ db: database.db, env, taskQueue: TASK_QUEUE });
});

afterAll(async () => {
  await stopWorker?.();
  await env?.teardown();
  await database?.drop();
});

/** The operations Billow serves that Lago's description also has. */
const shared = () => operationsFor({}).filter((op) => lago.has(op));

test('Billow serves operations of Lago\'s description, and the tour calls each with success', () => {
  const served = shared();
  expect(served.length).toBeGreaterThanOrEqual(71);
  const succeeded = new Set(exchanges.filter((e) => e.status === 200).map((e) => operationOf(e)).filter(Boolean));
  const missed = served.filter((op) => !succeeded.has(op)).map((op) => `${op.method.toUpperCase()} ${openApiPath(op.path)}`);
  expect(missed).toEqual([]);
});

test('every erratum still changes Lago\'s description, and docs/lago-compatibility.md lists it', () => {
  expect(staleErrata).toEqual([]);
  const doc = readFileSync(path.resolve(__dirname, '../../docs/lago-compatibility.md'), 'utf8');
  const responses = doc.slice(doc.indexOf('## Responses'));
  expect(doc).toContain('## Responses');
  const unlisted = [...new Set(LAGO_RESPONSE_ERRATA.map((erratum) => erratum.why.split(':')[0]!))].filter((subject) => !responses.includes(subject));
  expect(unlisted).toEqual([]);
});

test("every successful answer matches Lago's response schema for its operation", () => {
  const violations: Violation[] = [];
  let checked = 0;
  for (const exchange of exchanges) {
    const op = operationOf(exchange);
    if (!op || !lago.has(op) || exchange.status !== 200) continue;
    checked++;
    violations.push(...lago.check(op, exchange));
  }
  expect(checked).toBeGreaterThan(100);
  expect(distinctViolations(violations)).toEqual([]);
});

test("every error answer matches Lago's schema for its status, where Lago's description lists that status", () => {
  const violations: Violation[] = [];
  let checked = 0;
  for (const exchange of exchanges) {
    const op = operationOf(exchange);
    if (!op || !lago.has(op) || exchange.status === 200 || !lago.statuses(op).includes(String(exchange.status))) continue;
    checked++;
    violations.push(...lago.check(op, exchange));
  }
  expect(checked).toBeGreaterThan(100);
  expect(distinctViolations(violations)).toEqual([]);
});

describe('the values behind the fields Lago required', () => {
  const answers = (method: string, url: RegExp) => exchanges.filter((e) => e.method === method && url.test(e.url) && e.status === 200).map((e) => e.body as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any

  test("customer metadata: an item keeps its id and date while its key stays; a new key is a new item", () => {
    const [first, second] = answers('post', /^\/api\/v1\/customers$/).filter((body) => body.customer.external_id === 'acme').map((body) => body.customer.metadata);
    expect(first).toEqual([{ lago_id: expect.stringMatching(/^[0-9a-f-]{36}$/), key: 'crm', value: 'A-42', display_in_invoice: true, created_at: expect.stringMatching(/Z$/) }]);
    expect(second).toEqual([
      { ...first[0], value: 'A-43' },
      { lago_id: expect.stringMatching(/^[0-9a-f-]{36}$/), key: 'tier', value: 'gold', display_in_invoice: false, created_at: expect.stringMatching(/Z$/) },
    ]);
    expect(second[1].lago_id).not.toBe(first[0].lago_id);
  });

  test("wallet.balance: the balance in major units; 10 granted credits at a rate of 1 EUR are 1000 cents, \"10.0\"", () => {
    const [created] = answers('post', /^\/api\/v1\/wallets$/).map((body) => body.wallet);
    // Paid credits wait for their invoice's payment: only the 10 granted ones count, 10 × 1 × 100 = 1000 cents.
    expect(created).toMatchObject({ balance_cents: 1000, balance: '10.0', credits_balance: '10.0' });
  });

  test("applied_coupon.credits: what each invoice drew, the same credit the invoice lists", () => {
    const [listed] = answers('get', /^\/api\/v1\/applied_coupons\?external_customer_id=acme$/).map((body) => body.applied_coupons);
    const welcome = listed.find((applied: { coupon_code: string }) => applied.coupon_code === 'welcome');
    // Welcome is 1000 cents, once: the first subscription invoice (the 10000-cent base fee paid in advance on 2031-01-01) drew it whole.
    expect(welcome).toMatchObject({ status: 'terminated', amount_cents_remaining: 0 });
    expect(welcome.credits).toEqual([{
      lago_id: expect.stringMatching(/^[0-9a-f-]{36}$/), amount_cents: 1000, amount_currency: 'EUR', before_taxes: true,
      item: { lago_item_id: welcome.lago_coupon_id, type: 'coupon', code: 'welcome', name: 'Welcome' }, invoice: { lago_id: expect.any(String), payment_status: expect.any(String) },
    }]);
    const invoice = answers('get', /^\/api\/v1\/invoices\/[0-9a-f-]{36}$/).map((body) => body.invoice).find((shown) => shown.lago_id === welcome.credits[0].invoice.lago_id);
    expect(invoice).toMatchObject({ invoice_type: 'subscription', coupons_amount_cents: expect.any(Number) });
    expect(invoice.credits).toContainEqual(welcome.credits[0]);
    // The invoice's coupon credits add up to its coupons_amount_cents.
    const couponCredits = (invoice.credits as { item: { type: string }; amount_cents: number }[]).filter((credit) => credit.item.type === 'coupon');
    expect(couponCredits.reduce((total, credit) => total + credit.amount_cents, 0)).toBe(invoice.coupons_amount_cents);
  });

  test('the fees of a charge filter name it: lago_charge_filter_id, item.filters, item.filter_invoice_display_name', () => {
    const [calls] = answers('get', /^\/api\/v1\/plans\/scale\/charges\/calls$/).map((body) => body.charge);
    const eu = calls.filters.find((filter: { invoice_display_name: string }) => filter.invoice_display_name === 'EU calls');
    const [us] = answers('post', /^\/api\/v1\/plans\/scale\/charges\/calls\/filters$/).map((body) => body.filter);
    const fees = answers('get', /^\/api\/v1\/invoices\/[0-9a-f-]{36}$/).flatMap((body) => body.invoice.fees as Record<string, any>[]) // eslint-disable-line @typescript-eslint/no-explicit-any
      .filter((fee) => fee.lago_charge_id === calls.lago_id);
    const byFilter = new Map(fees.map((fee) => [fee.lago_charge_filter_id, fee]));
    // January's calls, billed at the period's end: one event in each region, none unfiltered (no default fee).
    expect([...byFilter.keys()].sort()).toEqual([eu.lago_id, us.lago_id].sort());
    // EU: 1 call × 0.02 EUR = 2 cents; US: 1 call × 0.025 EUR = 2.5 cents, rounded half away from zero to 3.
    expect(byFilter.get(eu.lago_id)).toMatchObject({ amount_cents: 2, item: { filters: { region: ['eu'] }, filter_invoice_display_name: 'EU calls' } });
    expect(byFilter.get(us.lago_id)).toMatchObject({ amount_cents: 3, item: { filters: { region: ['us'] }, filter_invoice_display_name: 'us' } });
    // Every other fee bills no filter.
    const others = answers('get', /^\/api\/v1\/invoices\/[0-9a-f-]{36}$/).flatMap((body) => body.invoice.fees as Record<string, any>[]) // eslint-disable-line @typescript-eslint/no-explicit-any
      .filter((fee) => fee.lago_charge_id !== calls.lago_id);
    expect(others.length).toBeGreaterThan(0);
    for (const fee of others) expect([fee.lago_charge_filter_id, fee.item.filters, fee.item.filter_invoice_display_name]).toEqual([null, null, null]);
  });

  test('invoice.subscriptions: the subscriptions the invoice bills, as the API shows them (webhooks as of the issuing date)', async () => {
    const shown = answers('get', /^\/api\/v1\/invoices\/[0-9a-f-]{36}$/).map((body) => body.invoice);
    const first = shown.find((invoice) => invoice.invoice_type === 'subscription' && invoice.issuing_date === '2031-01-01');
    const [subscription] = answers('get', /^\/api\/v1\/subscriptions\/acme-scale$/).map((body) => body.subscription);
    expect(first.subscriptions).toHaveLength(1);
    // Read on 2031-02-01 12:00 UTC, the calendar period of a customer in Europe/Paris (UTC+1) holding that instant:
    // 2031-02-01 00:00 Paris = 2031-01-31T23:00:00Z to 2031-02-28 23:59:59 Paris = 2031-02-28T22:59:59Z.
    expect(first.subscriptions[0]).toEqual({
      ...subscription, current_billing_period_started_at: '2031-01-31T23:00:00Z', current_billing_period_ending_at: '2031-02-28T22:59:59Z',
    });
    // Invoices of no subscription list none.
    for (const invoice of shown.filter((one) => one.invoice_type === 'one_off' || one.invoice_type === 'credit')) expect(invoice.subscriptions).toEqual([]);
    // invoice.created, recorded by the writer with no clock, shows the period of the issuing date (2031-01-01):
    // 2031-01-01 00:00 Paris = 2030-12-31T23:00:00Z to 2031-01-31 23:59:59 Paris = 2031-01-31T22:59:59Z.
    const event = (await database.db('webhook_events').where({ webhook_type: 'invoice.created', object_id: first.lago_id }).first()) as { payload: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(event.payload.invoice.subscriptions).toEqual([expect.objectContaining({
      lago_id: subscription.lago_id, external_id: 'acme-scale', status: 'active',
      current_billing_period_started_at: '2030-12-31T23:00:00Z', current_billing_period_ending_at: '2031-01-31T22:59:59Z',
    })]);
  });

  test("a credit note's applied tax names the tax it credits (lago_tax_id) and has a stable id", () => {
    const vat = answers('post', /^\/api\/v1\/taxes$/).map((body) => body.tax).find((tax) => tax.code === 'vat_20');
    const notes = answers('get', /^\/api\/v1\/credit_notes\/[0-9a-f-]{36}$/).map((body) => body.credit_note);
    const taxes = notes.flatMap((note) => note.applied_taxes);
    // Both notes credit fees taxed at the plan's (and the add-on's) 20 %.
    const vat20 = taxes.filter((t) => t.tax_code === 'vat_20');
    expect(vat20.length).toBeGreaterThan(0);
    for (const tax of vat20) expect(tax.lago_tax_id).toBe(vat.lago_id);
    const again = answers('post', /^\/api\/v1\/credit_notes\/[0-9a-f-]{36}\/download$/).map((body) => body.credit_note);
    expect(again[0].applied_taxes.map((t: { lago_id: string }) => t.lago_id)).toEqual(notes[0].applied_taxes.map((t: { lago_id: string }) => t.lago_id));
  });
});
