/**
 * `POST /invoices/preview` of a NEW subscription (Lago's `plan_code`, `subscription_at`,
 * `billing_time`) with the real worker, activities and Postgres on the time-skipping server: the
 * preview is the first invoice the subscription issues (its starting invoice when the plan is paid
 * in advance, its first boundary's when in arrears), computed by the issuing code in a rolled-back
 * transaction, so it writes nothing; the subscription then created for real issues the same
 * invoice fee for fee. Amounts worked out by hand.
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { snapshotTables, MONEY_TABLES } from '../support/money';
import { createPlan, settle, sleepUntil, subscribe } from '../support/scenario';

const bed = useWorkflowTestbed('plan-previews-test');
const TABLES = [...MONEY_TABLES, 'subscriptions', 'customers', 'events', 'webhook_events', 'invoice_subscriptions', 'usage_windows'];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What a preview and the issued invoice share (the previewed subscription's external id is its own). */
function essence(invoice: Json) {
  return {
    number: invoice.number,
    issuing_date: invoice.issuing_date,
    invoice_type: invoice.invoice_type,
    currency: invoice.currency,
    fees_amount_cents: invoice.fees_amount_cents,
    taxes_amount_cents: invoice.taxes_amount_cents,
    total_amount_cents: invoice.total_amount_cents,
    fees: (invoice.fees as Json[])
      .map((fee) => [`${fee.item.type}:${fee.item.code}`, fee.units, fee.amount_cents, fee.from_date, fee.to_date])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

async function invoicesOf(customer: string): Promise<Json[]> {
  return (await bed.api.get(`/invoices?external_customer_id=${customer}&per_page=100`).expect(200)).body.invoices as Json[];
}

it('a plan paid in advance: the preview is its starting invoice, prorated for calendar billing, and equals the invoice issued', async () => {
  await moveClockTo(bed.env, '2033-03-16T10:00:00Z');
  await createPlan(bed.api, { name: 'Advance', code: 'advance', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: true });
  await bed.api.post('/customers', { customer: { external_id: 'ada', currency: 'USD' } }).expect(200);

  const before = await snapshotTables(bed.database.db, TABLES);
  const response = await bed.api.post('/invoices/preview', { customer: { external_id: 'ada' }, plan_code: 'advance' }).expect(200);
  expect(await snapshotTables(bed.database.db, TABLES)).toBe(before);
  const preview = response.body.invoice as Json;
  expect(essence(preview)).toEqual({
    number: expect.stringMatching(/-001$/), // ada's first invoice
    issuing_date: '2033-03-16',
    invoice_type: 'subscription',
    currency: 'USD',
    // Calendar billing from March 16: March 16–31 is 16 days of 31, 16/31 × 3100 = 1600.
    fees_amount_cents: 1600,
    taxes_amount_cents: 0,
    total_amount_cents: 1600,
    fees: [['subscription:advance', '1.0', 1600, '2033-03-16T00:00:00Z', '2033-03-31T23:59:59Z']],
  });

  // The subscription created for real at that instant issues the very same invoice.
  await subscribe(bed.api, { external_customer_id: 'ada', plan_code: 'advance', external_id: 'ada-sub', billing_time: 'calendar' });
  await settle(bed.env);
  const issued = await invoicesOf('ada');
  expect(issued).toHaveLength(1);
  expect(essence(issued[0]!)).toEqual(essence(preview));

  // subscription_at and billing_time honoured: anniversary from April 10, a whole period in advance,
  // April 10–May 9 → 3100, issued April 10; ada's second invoice.
  const later = await bed.api.post('/invoices/preview', {
    customer: { external_id: 'ada' }, plan_code: 'advance', subscription_at: '2033-04-10T00:00:00Z', billing_time: 'anniversary',
  }).expect(200);
  expect(essence(later.body.invoice)).toEqual({
    number: expect.stringMatching(/-002$/),
    issuing_date: '2033-04-10',
    invoice_type: 'subscription',
    currency: 'USD',
    fees_amount_cents: 3100,
    taxes_amount_cents: 0,
    total_amount_cents: 3100,
    fees: [['subscription:advance', '1.0', 3100, '2033-04-10T00:00:00Z', '2033-05-09T23:59:59Z']],
  });
});

it('a plan paid in arrears: the preview is its first boundary\'s invoice, and equals the invoice then issued', async () => {
  await moveClockTo(bed.env, '2033-05-05T10:00:00Z');
  await createPlan(bed.api, { name: 'Arrears', code: 'arrears', interval: 'monthly', amount_cents: 9300, amount_currency: 'USD', pay_in_advance: false });
  // No currency yet: it would take the plan's (in the rolled-back transaction only).
  await bed.api.post('/customers', { customer: { external_id: 'bea' } }).expect(200);

  const before = await snapshotTables(bed.database.db, TABLES);
  const response = await bed.api.post('/invoices/preview', { customer: { external_id: 'bea' }, plan_code: 'arrears', billing_time: 'calendar' }).expect(200);
  expect(await snapshotTables(bed.database.db, TABLES)).toBe(before);
  expect((await bed.api.get('/customers/bea').expect(200)).body.customer.currency).toBeNull();
  const preview = response.body.invoice as Json;
  expect(essence(preview)).toEqual({
    number: expect.stringMatching(/-001$/),
    // Nothing at the start; the first boundary is June 1.
    issuing_date: '2033-06-01',
    invoice_type: 'subscription',
    currency: 'USD',
    // May 5–31 is 27 days of 31: 27/31 × 9300 = 8100.
    fees_amount_cents: 8100,
    taxes_amount_cents: 0,
    total_amount_cents: 8100,
    fees: [['subscription:arrears', '1.0', 8100, '2033-05-05T00:00:00Z', '2033-05-31T23:59:59Z']],
  });

  await subscribe(bed.api, { external_customer_id: 'bea', plan_code: 'arrears', external_id: 'bea-sub', billing_time: 'calendar' });
  await settle(bed.env);
  expect(await invoicesOf('bea')).toEqual([]);
  await sleepUntil(bed.env, '2033-06-02T00:00:00Z');
  const issued = await invoicesOf('bea');
  expect(issued).toHaveLength(1);
  expect(essence(issued[0]!)).toEqual(essence(preview));
});

it('a preview of a plan in another currency, of an unknown plan, or mixed with existing subscriptions is refused and writes nothing', async () => {
  await moveClockTo(bed.env, '2033-07-01T10:00:00Z');
  await createPlan(bed.api, { name: 'Euro', code: 'euro', interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: true });
  const before = await snapshotTables(bed.database.db, TABLES);
  const answers = [
    // ada pays in USD.
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'ada' }, plan_code: 'euro' }), 422, { currency: ['currencies_does_not_match'] }],
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'ada' }, plan_code: 'nope' }), 404, undefined],
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'nobody' }, plan_code: 'advance' }), 404, undefined],
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'ada' }, plan_code: 'advance', subscriptions: { external_ids: ['ada-sub'] } }), 422, { subscriptions: ['not_with_plan_code'] }],
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'ada' }, subscriptions: { external_ids: ['ada-sub'] }, billing_time: 'anniversary' }), 422, { billing_time: ['plan_code_is_mandatory'] }],
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'ada' }, plan_code: 'advance', coupons: [{ code: 'c' }] }), 422, { coupons: ['feature_not_supported'] }],
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'ada', name: 'Ada' }, plan_code: 'advance' }), 422, { 'customer.name': ['feature_not_supported'] }],
  ] as const;
  expect(answers.map(([response]) => [response.status, response.body.error_details])).toEqual(answers.map(([, status, details]) => [status, details]));
  expect(answers[1]![0].body.code).toBe('plan_not_found');
  expect(await snapshotTables(bed.database.db, TABLES)).toBe(before);
});

it('a plan paid in advance with a trial: nothing at the start, the preview is the invoice of the trial\'s end, as then issued', async () => {
  await moveClockTo(bed.env, '2033-08-05T10:00:00Z');
  await createPlan(bed.api, { name: 'Trial', code: 'trial', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: true, trial_period: 10 });
  await bed.api.post('/customers', { customer: { external_id: 'cyd', currency: 'USD' } }).expect(200);

  const before = await snapshotTables(bed.database.db, TABLES);
  const response = await bed.api.post('/invoices/preview', { customer: { external_id: 'cyd' }, plan_code: 'trial' }).expect(200);
  expect(await snapshotTables(bed.database.db, TABLES)).toBe(before);
  const preview = response.body.invoice as Json;
  // Started August 5 with 10 free days: billed from August 15, the rest of August, 17 days of 31:
  // 17/31 × 3100 = 1700, issued August 15.
  expect([preview.issuing_date, preview.total_amount_cents, (preview.fees as Json[]).map((fee) => [fee.item.code, fee.amount_cents])])
    .toEqual(['2033-08-15', 1700, [['trial', 1700]]]);

  await subscribe(bed.api, { external_customer_id: 'cyd', plan_code: 'trial', external_id: 'cyd-sub', billing_time: 'calendar' });
  await settle(bed.env);
  expect(await invoicesOf('cyd')).toEqual([]);
  await sleepUntil(bed.env, '2033-08-16T00:00:00Z');
  const issued = await invoicesOf('cyd');
  expect(issued).toHaveLength(1);
  expect(essence(issued[0]!)).toEqual(essence(preview));
});
