/**
 * The whole billing lifecycle on the time-skipping server, with the real worker, activities and
 * Postgres: anniversary month-ends, calendar periods in a daylight-saving timezone, trials,
 * terminations, ending_at, upgrades and downgrades. Every figure is worked out by hand beside it,
 * and the billing invariants are checked after each scenario.
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { assertBillingInvariants } from '../support/invariants';
import { createPlan, invoiceTable, sleepUntil, soonAfter, subscribe } from '../support/scenario';

const TASK_QUEUE = 'lifecycle-test';
const bed = useWorkflowTestbed(TASK_QUEUE);

afterEach(async () => {
  await assertBillingInvariants(bed.database.db);
});

it('anniversary on the 31st: a whole year of month-end clamped periods, each billed 3100 in advance', async () => {
  await moveClockTo(bed.env, '2027-01-31T09:00:00Z');
  await createPlan(bed.api, { name: 'Month End', code: 'month-end', interval: 'monthly', amount_cents: 3100, amount_currency: 'EUR', pay_in_advance: true });
  await bed.api.post('/customers', { customer: { external_id: 'mei', currency: 'EUR', timezone: 'UTC' } }).expect(200);
  await subscribe(bed.api, { external_customer_id: 'mei', plan_code: 'month-end', external_id: 'mei-sub', billing_time: 'anniversary' });
  await sleepUntil(bed.env, '2028-01-30T12:00:00Z');

  const invoices = await invoiceTable(bed.api, 'mei');
  // Periods start on min(31, days in month) and end the day before the next start (reference §5.1).
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.lines[0]!.from, invoice.lines[0]!.to, invoice.total])).toEqual([
    ['2027-01-31', '2027-01-31', '2027-02-27', 3100],
    ['2027-02-28', '2027-02-28', '2027-03-30', 3100],
    ['2027-03-31', '2027-03-31', '2027-04-29', 3100],
    ['2027-04-30', '2027-04-30', '2027-05-30', 3100],
    ['2027-05-31', '2027-05-31', '2027-06-29', 3100],
    ['2027-06-30', '2027-06-30', '2027-07-30', 3100],
    ['2027-07-31', '2027-07-31', '2027-08-30', 3100],
    ['2027-08-31', '2027-08-31', '2027-09-29', 3100],
    ['2027-09-30', '2027-09-30', '2027-10-30', 3100],
    ['2027-10-31', '2027-10-31', '2027-11-29', 3100],
    ['2027-11-30', '2027-11-30', '2027-12-30', 3100],
    ['2027-12-31', '2027-12-31', '2028-01-30', 3100],
  ]);
});

it('calendar plan in America/Los_Angeles: bills at local midnight across both daylight-saving changes', async () => {
  // 2028-02-15 10:00 in Los Angeles (UTC−8) is 18:00Z.
  await moveClockTo(bed.env, '2028-02-15T18:00:00Z');
  await createPlan(bed.api, { name: 'Pacific', code: 'pacific', interval: 'monthly', amount_cents: 2900, amount_currency: 'USD', pay_in_advance: false });
  await bed.api.post('/customers', { customer: { external_id: 'lax', currency: 'USD', timezone: 'America/Los_Angeles' } }).expect(200);
  await subscribe(bed.api, { external_customer_id: 'lax', plan_code: 'pacific', external_id: 'lax-sub', billing_time: 'calendar' });
  await sleepUntil(bed.env, '2028-11-15T12:00:00Z');

  const invoices = await invoiceTable(bed.api, 'lax');
  // February 2028 has D = 29; billed 15th–29th = 15 days: 2900 × 15 / 29 = 1500 exactly.
  expect(invoices[0]).toMatchObject({ issuingDate: '2028-03-01', total: 1500 });
  expect(invoices.slice(1).map((invoice) => invoice.total)).toEqual(Array(8).fill(2900)); // March … October, whole months
  const periods = await bed.database.db('fees').join('invoices', 'invoices.id', 'fees.invoice_id')
    .join('customers', 'customers.id', 'invoices.customer_id').where('customers.external_id', 'lax')
    .orderBy('fees.from_datetime').select('fees.from_datetime', 'fees.to_datetime');
  // Local midnight is 08:00Z in winter (PST) and 07:00Z in summer (PDT): DST starts 2028-03-12, ends 2028-11-05.
  expect(periods[0]!.to_datetime.toISOString()).toBe('2028-03-01T07:59:59.999Z'); // Feb 29 ends in PST
  expect(periods[1]!.from_datetime.toISOString()).toBe('2028-03-01T08:00:00.000Z'); // March starts in PST
  expect(periods[1]!.to_datetime.toISOString()).toBe('2028-04-01T06:59:59.999Z'); // and ends in PDT
  expect(periods[8]!.from_datetime.toISOString()).toBe('2028-10-01T07:00:00.000Z'); // October starts in PDT
  expect(periods[8]!.to_datetime.toISOString()).toBe('2028-11-01T06:59:59.999Z');
});

it('a trial that ends mid-period: nothing at the start, then the rest of the month, then whole months', async () => {
  await moveClockTo(bed.env, '2029-05-05T08:00:00Z');
  await createPlan(bed.api, { name: 'Trial', code: 'trial', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: true, trial_period: 10 });
  await subscribe(bed.api, { external_customer_id: 'tina', plan_code: 'trial', external_id: 'tina-sub', billing_time: 'calendar' });
  expect(await invoiceTable(bed.api, 'tina')).toHaveLength(0); // the trial covers the start
  await sleepUntil(bed.env, '2029-06-02T00:00:00Z');

  const invoices = await invoiceTable(bed.api, 'tina');
  // Trial 2029-05-05 08:00 + 10 days = 2029-05-15 08:00: billed 15th–31st = 17 days of D = 31: 3100 × 17/31 = 1700.
  // The fee's span is the subscription's part of May (5th–31st); its amount counts the days after the trial.
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.lines[0]!.from, invoice.lines[0]!.to, invoice.total])).toEqual([
    ['2029-05-15', '2029-05-05', '2029-05-31', 1700],
    ['2029-06-01', '2029-06-01', '2029-06-30', 3100],
  ]);
});

it('terminating an arrears plan mid-period bills the days used, up to the termination day included', async () => {
  await moveClockTo(bed.env, '2029-07-01T10:00:00Z');
  await createPlan(bed.api, { name: 'Arrears', code: 'arrears', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: false });
  await subscribe(bed.api, { external_customer_id: 'terry', plan_code: 'arrears', external_id: 'terry-sub', billing_time: 'calendar' });
  await sleepUntil(bed.env, '2029-08-10T12:00:00Z');
  const terminated = await bed.api.delete('/subscriptions/terry-sub').expect(200);
  expect(terminated.body.subscription).toMatchObject({ status: 'terminated', terminated_at: soonAfter('2029-08-10T12:00:00Z') });

  const invoices = await invoiceTable(bed.api, 'terry');
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.reason, invoice.lines[0]!.from, invoice.lines[0]!.to, invoice.total])).toEqual([
    ['2029-08-01', 'subscription_periodic', '2029-07-01', '2029-07-31', 3100], // July, whole
    ['2029-08-10', 'subscription_terminating', '2029-08-01', '2029-08-10', 1000], // Aug 1–10 = 10 days × 3100/31 = 1000
  ]);
  await bed.api.delete('/subscriptions/terry-sub').expect(404); // no active subscription any more
  // Webhooks recorded in the same transactions (outbox), in order.
  const subscription = await bed.database.db('subscriptions').where({ external_id: 'terry-sub' }).first();
  const webhooks = await bed.database.db('webhook_events').where({ object_id: subscription.id }).orderBy('created_at').pluck('webhook_type');
  expect(webhooks).toEqual(['subscription.started', 'subscription.terminated']);
  await sleepUntil(bed.env, '2029-09-05T00:00:00Z');
  expect(await invoiceTable(bed.api, 'terry')).toHaveLength(2); // nothing after the end
});

it('ending_at terminates by itself at that instant with the final invoice', async () => {
  await moveClockTo(bed.env, '2029-10-01T00:00:00Z');
  await createPlan(bed.api, { name: 'Fixed term', code: 'fixed-term', interval: 'weekly', amount_cents: 700, amount_currency: 'USD', pay_in_advance: false });
  await subscribe(bed.api, { external_customer_id: 'erin', plan_code: 'fixed-term', external_id: 'erin-sub', billing_time: 'calendar', ending_at: '2029-10-17T12:00:00Z' });
  await sleepUntil(bed.env, '2029-11-01T00:00:00Z');

  const invoices = await invoiceTable(bed.api, 'erin');
  // 2029-10-01 is a Monday: ISO weeks Oct 1–7 and Oct 8–14 are whole (700 each); then Oct 15–17 = 3 days × 700/7 = 300.
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.lines[0]!.from, invoice.lines[0]!.to, invoice.total])).toEqual([
    ['2029-10-08', '2029-10-01', '2029-10-07', 700],
    ['2029-10-15', '2029-10-08', '2029-10-14', 700],
    ['2029-10-17', '2029-10-15', '2029-10-17', 300],
  ]);
  const subscription = await bed.api.get('/subscriptions/erin-sub?status=terminated').expect(200);
  expect(subscription.body.subscription.terminated_at).toBe('2029-10-17T12:00:00Z');
});

it('terminating an in-advance plan credits the unused days with a credit note', async () => {
  await moveClockTo(bed.env, '2030-04-01T06:00:00Z');
  await createPlan(bed.api, { name: 'Advance', code: 'advance', interval: 'monthly', amount_cents: 3000, amount_currency: 'USD', pay_in_advance: true });
  await subscribe(bed.api, { external_customer_id: 'ada', plan_code: 'advance', external_id: 'ada-sub', billing_time: 'anniversary' });
  await sleepUntil(bed.env, '2030-04-11T15:00:00Z');
  await bed.api.delete('/subscriptions/ada-sub').expect(200);

  const invoices = await invoiceTable(bed.api, 'ada');
  expect(invoices.map((invoice) => invoice.total)).toEqual([3000]); // April paid in advance; no charges to close
  const creditNotes = await bed.database.db('credit_notes').join('invoices', 'invoices.id', 'credit_notes.invoice_id')
    .join('customers', 'customers.id', 'invoices.customer_id').where('customers.external_id', 'ada').select('credit_notes.*');
  // Period Apr 1–30 (D = 30), terminated Apr 11: unused Apr 12–30 = 19 days × 3000/30 = 1900.
  expect(creditNotes.map((note) => [note.reason, BigInt(note.total_amount_cents)])).toEqual([['order_cancellation', 1900n]]);
});

it('upgrading monthly to yearly mid-period: old days credited, new plan prorated over a leap year', async () => {
  // Reference §11 vector 18, on future dates with the same calendar: anchor on the 29th, upgrade on the 28th.
  await moveClockTo(bed.env, '2031-06-29T09:00:00Z');
  await createPlan(bed.api, { name: 'Monthly', code: 'monthly-1000', interval: 'monthly', amount_cents: 1000, amount_currency: 'USD', pay_in_advance: true });
  await createPlan(bed.api, { name: 'Yearly', code: 'yearly-12000', interval: 'yearly', amount_cents: 12000, amount_currency: 'USD', pay_in_advance: true });
  await subscribe(bed.api, { external_customer_id: 'uma', plan_code: 'monthly-1000', external_id: 'uma-sub', billing_time: 'anniversary' });
  await sleepUntil(bed.env, '2031-09-28T10:00:00Z');
  const upgraded = await subscribe(bed.api, { external_customer_id: 'uma', plan_code: 'yearly-12000', external_id: 'uma-sub' });
  expect(upgraded).toMatchObject({ plan_code: 'yearly-12000', status: 'active', previous_plan_code: 'monthly-1000' });

  const invoices = await invoiceTable(bed.api, 'uma');
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.lines.map((line) => [line.item, line.from, line.to, line.amount])])).toEqual([
    ['2031-06-29', [['subscription:monthly-1000', '2031-06-29', '2031-07-28', 1000]]],
    ['2031-07-29', [['subscription:monthly-1000', '2031-07-29', '2031-08-28', 1000]]],
    ['2031-08-29', [['subscription:monthly-1000', '2031-08-29', '2031-09-28', 1000]]],
    // Yearly period 2031-06-29 … 2032-06-28 holds Feb 29 2032: D = 366; from Sep 28 = 275 days × 12000/366 = 9016.39 → 9016.
    ['2031-09-28', [['subscription:yearly-12000', '2031-09-28', '2032-06-28', 9016]]],
  ]);
  const creditNotes = await bed.database.db('credit_notes').join('invoices', 'invoices.id', 'credit_notes.invoice_id')
    .join('customers', 'customers.id', 'invoices.customer_id').where('customers.external_id', 'uma').select('credit_notes.*');
  // The Aug 29 – Sep 28 month (D = 31) was paid; the upgrade day is billed on the new plan: 1 day × 1000/31 = 32.26 → 32.
  expect(creditNotes.map((note) => BigInt(note.total_amount_cents))).toEqual([32n]);
  // The outbox holds the credit note once, and each of uma's subscriptions' start and end.
  const subscriptions = await bed.database.db('subscriptions').where({ external_id: 'uma-sub' }).orderBy('created_at').pluck('id');
  const eventsOf = (objectId: string) => bed.database.db('webhook_events').where({ object_id: objectId }).orderBy('created_at').pluck('webhook_type');
  expect(await eventsOf(creditNotes[0].id)).toEqual(['credit_note.created']);
  expect(await eventsOf(subscriptions[0])).toEqual(['subscription.started', 'subscription.terminated']);
  expect(await eventsOf(subscriptions[1])).toEqual(['subscription.started']);
  await bed.api.get('/subscriptions/uma-sub?status=terminated').expect(200);
});

it('a downgrade waits for the period end, shows next_plan_code, and a second change replaces it', async () => {
  await moveClockTo(bed.env, '2032-03-10T09:00:00Z');
  await createPlan(bed.api, { name: 'Big', code: 'big', interval: 'monthly', amount_cents: 5000, amount_currency: 'USD', pay_in_advance: true });
  await createPlan(bed.api, { name: 'Medium', code: 'medium', interval: 'monthly', amount_cents: 3000, amount_currency: 'USD', pay_in_advance: true });
  await createPlan(bed.api, { name: 'Small', code: 'small', interval: 'monthly', amount_cents: 2000, amount_currency: 'USD', pay_in_advance: true });
  await subscribe(bed.api, { external_customer_id: 'dora', plan_code: 'big', external_id: 'dora-sub', billing_time: 'calendar' });
  await sleepUntil(bed.env, '2032-03-20T09:00:00Z');

  const first = await subscribe(bed.api, { external_customer_id: 'dora', plan_code: 'medium', external_id: 'dora-sub' });
  expect(first).toMatchObject({ plan_code: 'big', status: 'active', next_plan_code: 'medium', downgrade_plan_date: '2032-04-01' });
  const second = await subscribe(bed.api, { external_customer_id: 'dora', plan_code: 'small', external_id: 'dora-sub' });
  expect(second).toMatchObject({ plan_code: 'big', next_plan_code: 'small', downgrade_plan_date: '2032-04-01' });
  await sleepUntil(bed.env, '2032-05-02T00:00:00Z');

  const invoices = await invoiceTable(bed.api, 'dora');
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.lines.map((line) => [line.item, line.from, line.to, line.amount])])).toEqual([
    // Started Mar 10 on a calendar month (D = 31): Mar 10–31 = 22 days × 5000/31 = 3548.39 → 3548.
    ['2032-03-10', [['subscription:big', '2032-03-10', '2032-03-31', 3548]]],
    ['2032-04-01', [['subscription:small', '2032-04-01', '2032-04-30', 2000]]],
    ['2032-05-01', [['subscription:small', '2032-05-01', '2032-05-31', 2000]]],
  ]);
  const active = await bed.api.get('/subscriptions/dora-sub').expect(200);
  expect(active.body.subscription).toMatchObject({ plan_code: 'small', previous_plan_code: 'big', next_plan_code: null });
  const canceled = await bed.database.db('subscriptions').join('plans', 'plans.id', 'subscriptions.plan_id')
    .where({ 'subscriptions.external_id': 'dora-sub', 'subscriptions.status': 'canceled' }).select('plans.code');
  expect(canceled.map((row) => row.code)).toEqual(['medium']);
});
