/**
 * `POST /invoices/preview` and `POST /events/estimate_fees` with the real worker, activities and
 * Postgres on the time-skipping server: a preview of a customer's two subscriptions equals, fee for
 * fee and cent for cent, the consolidated invoice their next billing date then issues, and writes
 * nothing; an estimate prices an event by the difference rule of a graduated charge paid in advance,
 * stores nothing, and equals the fee the same event then gets. Amounts worked out by hand.
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { snapshotTables, MONEY_TABLES } from '../support/money';
import { createPlan, invoiceTable, settle, sleepUntil, subscribe } from '../support/scenario';

const bed = useWorkflowTestbed('previews-test');
const TABLES = [...MONEY_TABLES, 'subscriptions', 'events', 'webhook_events', 'invoice_subscriptions'];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What a preview and an issued invoice must share (everything but the row's identity and timestamps). */
function essence(invoice: Json) {
  return {
    number: invoice.number,
    issuing_date: invoice.issuing_date,
    invoice_type: invoice.invoice_type,
    fees_amount_cents: invoice.fees_amount_cents,
    taxes_amount_cents: invoice.taxes_amount_cents,
    total_amount_cents: invoice.total_amount_cents,
    subscriptions: (invoice.subscriptions as Json[]).map((subscription) => subscription.external_id).sort(),
    fees: (invoice.fees as Json[])
      .map((fee) => [fee.external_subscription_id, `${fee.item.type}:${fee.item.code}`, fee.units, fee.amount_cents, fee.from_date, fee.to_date])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

it('a preview of two subscriptions equals the consolidated invoice their next billing date issues, and writes nothing', async () => {
  await moveClockTo(bed.env, '2032-03-05T10:00:00Z');
  await bed.api.post('/billable_metrics', { billable_metric: { name: 'Calls', code: 'calls', aggregation_type: 'sum_agg', field_name: 'n' } }).expect(200);
  const calls = (await bed.api.get('/billable_metrics/calls').expect(200)).body.billable_metric.lago_id as string;
  await createPlan(bed.api, {
    name: 'Metered', code: 'metered', interval: 'monthly', amount_cents: 9300, amount_currency: 'USD', pay_in_advance: false,
    charges: [{ billable_metric_id: calls, charge_model: 'standard', properties: { amount: '0.5' } }],
  });
  await createPlan(bed.api, { name: 'Seat', code: 'seat', interval: 'monthly', amount_cents: 3000, amount_currency: 'USD', pay_in_advance: true });
  await subscribe(bed.api, { external_customer_id: 'pia', plan_code: 'metered', external_id: 'pia-metered', billing_time: 'calendar' });
  await subscribe(bed.api, { external_customer_id: 'pia', plan_code: 'seat', external_id: 'pia-seat', billing_time: 'calendar' });
  await settle(bed.env);
  await bed.api.post('/events', { event: { transaction_id: 'pia-1', code: 'calls', external_subscription_id: 'pia-metered', properties: { n: 40 } } }).expect(200);
  await sleepUntil(bed.env, '2032-03-20T10:00:00Z');

  const before = await snapshotTables(bed.database.db, TABLES);
  const response = await bed.api.post('/invoices/preview', { customer: { external_id: 'pia' }, subscriptions: { external_ids: ['pia-metered', 'pia-seat'] } }).expect(200);
  expect(await snapshotTables(bed.database.db, TABLES)).toBe(before);
  const preview = response.body.invoice as Json;
  expect(essence(preview)).toEqual({
    // The seat's starting invoice (Mar 5) is the customer's first: the preview takes the second number.
    number: expect.stringMatching(/-002$/),
    issuing_date: '2032-04-01',
    invoice_type: 'subscription',
    // 8100 + 2000 + 3000 = 13100, no tax.
    fees_amount_cents: 13100,
    taxes_amount_cents: 0,
    total_amount_cents: 13100,
    subscriptions: ['pia-metered', 'pia-seat'],
    fees: [
      // Metered, in arrears: March 5–31 is 27 days of D = 31, 27 × 9300 / 31 = 8100; 40 calls × 0.50 = 20.00 → 2000.
      // (Usage is counted from the start instant, Mar 5 10:00, as Lago's charges_from_datetime; the base fee by whole days.)
      ['pia-metered', 'charge:calls', '40.0', 2000, '2032-03-05T10:00:00Z', '2032-03-31T23:59:59Z'],
      ['pia-metered', 'subscription:metered', '1.0', 8100, '2032-03-05T00:00:00Z', '2032-03-31T23:59:59Z'],
      // Seat, in advance: April whole, 3000.
      ['pia-seat', 'subscription:seat', '1.0', 3000, '2032-04-01T00:00:00Z', '2032-04-30T23:59:59Z'],
    ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  });

  await sleepUntil(bed.env, '2032-04-02T00:00:00Z');
  const invoices = (await bed.api.get('/invoices?external_customer_id=pia&per_page=100').expect(200)).body.invoices as Json[];
  const issued = invoices.find((invoice) => invoice.issuing_date === '2032-04-01');
  expect(issued).toBeDefined();
  expect(essence(issued!)).toEqual(essence(preview));
  // Seat's start: March 5–31 in advance, 27 × 3000 / 31 = 2612.90… → 2613; then the day's one invoice.
  expect((await invoiceTable(bed.api, 'pia')).map((invoice) => [invoice.issuingDate, invoice.total])).toEqual([['2032-03-05', 2613], ['2032-04-01', 13100]]);
});

it('a preview is refused when it is not one invoice of the next billing date, or names what is not the customer\'s', async () => {
  await moveClockTo(bed.env, '2032-05-03T10:00:00Z');
  await subscribe(bed.api, { external_customer_id: 'quin', plan_code: 'metered', external_id: 'quin-calendar', billing_time: 'calendar' });
  await subscribe(bed.api, { external_customer_id: 'quin', plan_code: 'metered', external_id: 'quin-anniversary', billing_time: 'anniversary' });
  await subscribe(bed.api, { external_customer_id: 'rex', plan_code: 'metered', external_id: 'rex-sub', billing_time: 'calendar' });
  // rex downgrades to the cheaper seat plan: it waits for June 1, when the workflow issues the downgrade's invoice.
  await subscribe(bed.api, { external_customer_id: 'rex', plan_code: 'seat', external_id: 'rex-sub', billing_time: 'calendar' });
  await settle(bed.env);
  const before = await snapshotTables(bed.database.db, TABLES);
  const answers = [
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'rex' }, subscriptions: { external_ids: ['rex-sub'] } }), 422, { subscriptions: ['pending_plan_change'] }],
    // Calendar: June 1; anniversary (started May 3): June 3.
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'quin' }, subscriptions: { external_ids: ['quin-calendar', 'quin-anniversary'] } }), 422, { subscriptions: ['different_billing_dates'] }],
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'quin' }, subscriptions: { external_ids: ['rex-sub'] } }), 404, undefined],
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'nobody' }, subscriptions: { external_ids: ['rex-sub'] } }), 404, undefined],
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'quin' } }), 422, { subscriptions: ['value_is_mandatory'] }],
    // A new subscription's preview (plan-previews.test.ts) is not mixed with existing ones.
    [await bed.api.post('/invoices/preview', { customer: { external_id: 'quin' }, subscriptions: { external_ids: ['quin-calendar'] }, plan_code: 'metered' }), 422, { subscriptions: ['not_with_plan_code'] }],
  ] as const;
  expect(answers.map(([response]) => [response.status, response.body.error_details])).toEqual(answers.map(([, status, details]) => [status, details]));
  expect(await snapshotTables(bed.database.db, TABLES)).toBe(before);
  // Each alone is one invoice: the anniversary one's June 3 close, May 3–June 2 whole, 9300.
  const alone = await bed.api.post('/invoices/preview', { customer: { external_id: 'quin' }, subscriptions: { external_ids: ['quin-anniversary'] } }).expect(200);
  expect([alone.body.invoice.issuing_date, alone.body.invoice.total_amount_cents]).toEqual(['2032-06-03', 9300]);
});

it('estimate_fees prices an event by a graduated charge paid in advance, stores nothing, and equals the fee the event then gets', async () => {
  await moveClockTo(bed.env, '2032-07-02T10:00:00Z');
  await bed.api.post('/billable_metrics', { billable_metric: { name: 'Transfers', code: 'transfers', aggregation_type: 'sum_agg', field_name: 'gb' } }).expect(200);
  const transfers = (await bed.api.get('/billable_metrics/transfers').expect(200)).body.billable_metric.lago_id as string;
  await createPlan(bed.api, {
    name: 'Transfer', code: 'transfer', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false,
    charges: [{
      billable_metric_id: transfers, charge_model: 'graduated', pay_in_advance: true, invoiceable: true,
      properties: { graduated_ranges: [{ from_value: 0, to_value: 10, per_unit_amount: '1', flat_amount: '0' }, { from_value: 11, to_value: null, per_unit_amount: '0.5', flat_amount: '0' }] },
    }],
  });
  await subscribe(bed.api, { external_customer_id: 'sol', plan_code: 'transfer', external_id: 'sol-sub', billing_time: 'calendar' });
  await settle(bed.env);
  await bed.api.post('/events', { event: { transaction_id: 'sol-1', code: 'transfers', external_subscription_id: 'sol-sub', properties: { gb: 8 } } }).expect(200);
  await settle(bed.env);

  const before = await snapshotTables(bed.database.db, TABLES);
  const estimate = await bed.api.post('/events/estimate_fees', { event: { code: 'transfers', external_subscription_id: 'sol-sub', properties: { gb: 5 } } }).expect(200);
  expect(await snapshotTables(bed.database.db, TABLES)).toBe(before);
  // 8 GB billed this period; 5 more make 13: (10 × 1.00 + 3 × 0.50) − 8 × 1.00 = 11.50 − 8.00 = 3.50 → 350 (not 5 × 1.00).
  expect(estimate.body.fees).toHaveLength(1);
  expect(estimate.body.fees[0]).toMatchObject({ lago_id: null, lago_invoice_id: null, external_subscription_id: 'sol-sub', item: { type: 'charge', code: 'transfers' }, pay_in_advance: true, units: '5.0', amount_cents: 350 });

  await bed.api.post('/events', { event: { transaction_id: 'sol-2', code: 'transfers', external_subscription_id: 'sol-sub', properties: { gb: 5 } } }).expect(200);
  await settle(bed.env);
  // The first event: 8 × 1.00 = 800; the second, as estimated: 350.
  expect((await invoiceTable(bed.api, 'sol')).map((invoice) => invoice.lines.map((line) => [line.item, line.units, line.amount]))).toEqual([
    [['charge:transfers', '8.0', 800]],
    [['charge:transfers', '5.0', 350]],
  ]);

  // A metric no pay-in-advance charge of the plan prices, an unknown subscription.
  const refused = await bed.api.post('/events/estimate_fees', { event: { code: 'calls', external_subscription_id: 'sol-sub', properties: { n: 1 } } });
  expect([refused.status, refused.body.error_details]).toEqual([422, { code: ['does_not_match_an_instant_charge'] }]);
  const missing = await bed.api.post('/events/estimate_fees', { event: { code: 'transfers', external_subscription_id: 'nobody' } });
  expect([missing.status, missing.body.code]).toEqual([404, 'subscription_not_found']);
});
