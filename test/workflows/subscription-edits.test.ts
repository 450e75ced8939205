/**
 * `PUT /subscriptions/:external_id` and `DELETE`'s termination options, with the real worker,
 * activities and Postgres on the time-skipping server: an earlier `ending_at` ends the
 * subscription there with its final invoice prorated to the new date; `on_termination_credit_note
 * = skip` (by PUT or by DELETE's query) leaves no credit note where one is owed otherwise;
 * `on_termination_invoice = skip` leaves no final invoice; a refused change answers 4xx and
 * changes nothing; an end is never moved before a billing date already invoiced. By hand.
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { snapshotTables, MONEY_TABLES } from '../support/money';
import { createPlan, invoiceTable, settle, sleepUntil, subscribe } from '../support/scenario';
import { applySubscriptionEdit } from '../../src/services/subscriptions';
import { ValidationError } from '../../src/runtime/errors';
import { dryRun } from '../../src/db/dry-run';

const bed = useWorkflowTestbed('subscription-edits-test');
const TABLES = [...MONEY_TABLES, 'subscriptions', 'webhook_events'];

async function creditNotesOf(customer: string): Promise<bigint[]> {
  const rows = await bed.database.db('credit_notes').join('invoices', 'invoices.id', 'credit_notes.invoice_id').join('customers', 'customers.id', 'invoices.customer_id')
    .where({ 'customers.external_id': customer, 'customers.organization_id': bed.api.organization.id }).select('credit_notes.total_amount_cents');
  return rows.map((row) => BigInt(row.total_amount_cents));
}

it('ending_at moved earlier by PUT: the final invoice is prorated to the new date', async () => {
  await moveClockTo(bed.env, '2031-03-05T10:00:00Z');
  await createPlan(bed.api, { name: 'Arrears', code: 'arrears', interval: 'monthly', amount_cents: 9300, amount_currency: 'USD', pay_in_advance: false });
  await subscribe(bed.api, { external_customer_id: 'eve', plan_code: 'arrears', external_id: 'eve-sub', billing_time: 'calendar', ending_at: '2031-12-31T12:00:00Z' });
  await sleepUntil(bed.env, '2031-04-10T09:00:00Z');
  const edited = await bed.api.put('/subscriptions/eve-sub', { subscription: { ending_at: '2031-04-20T12:00:00Z', name: 'Eve, ending sooner' } }).expect(200);
  expect(edited.body.subscription).toMatchObject({ ending_at: '2031-04-20T12:00:00Z', name: 'Eve, ending sooner', status: 'active' });
  await sleepUntil(bed.env, '2031-05-05T00:00:00Z');

  const invoices = await invoiceTable(bed.api, 'eve');
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.reason, invoice.lines.map((line) => [line.item, line.from, line.to, line.amount]), invoice.total])).toEqual([
    // March 5–31: 27 days of D = 31, 27 × 9300 / 31 = 8100.
    ['2031-04-01', 'subscription_periodic', [['subscription:arrears', '2031-03-05', '2031-03-31', 8100]], 8100],
    // The new end, Apr 20 12:00: April 1–20 is 20 days of D = 30, 20 × 9300 / 30 = 6200 (not the whole month, 9300).
    ['2031-04-20', 'subscription_terminating', [['subscription:arrears', '2031-04-01', '2031-04-20', 6200]], 6200],
  ]);
  const subscription = (await bed.api.get('/subscriptions/eve-sub?status=terminated').expect(200)).body.subscription;
  expect(subscription).toMatchObject({ terminated_at: '2031-04-20T12:00:00Z', ending_at: '2031-04-20T12:00:00Z', name: 'Eve, ending sooner' });
  const updated = await bed.database.db('webhook_events').where({ object_id: subscription.lago_id, webhook_type: 'subscription.updated' }).count({ c: '*' });
  expect(Number(updated[0]!.c)).toBe(1);
});

it('on_termination_credit_note = skip (by PUT, or by DELETE\'s query): no credit note where one is owed otherwise', async () => {
  await moveClockTo(bed.env, '2031-06-01T06:00:00Z');
  await createPlan(bed.api, { name: 'Advance', code: 'advance', interval: 'monthly', amount_cents: 9000, amount_currency: 'USD', pay_in_advance: true });
  for (const customer of ['cal', 'sid', 'del']) {
    await subscribe(bed.api, { external_customer_id: customer, plan_code: 'advance', external_id: `${customer}-sub`, billing_time: 'calendar' });
  }
  const put = await bed.api.put('/subscriptions/sid-sub', { subscription: { on_termination_credit_note: 'skip' } }).expect(200);
  expect(put.body.subscription.on_termination_credit_note).toBe('skip');
  await sleepUntil(bed.env, '2031-06-11T15:00:00Z');
  await bed.api.delete('/subscriptions/cal-sub').expect(200);
  await bed.api.delete('/subscriptions/sid-sub').expect(200);
  const deleted = await bed.api.delete('/subscriptions/del-sub?on_termination_credit_note=skip&on_termination_invoice=generate').expect(200);
  expect(deleted.body.subscription).toMatchObject({ status: 'terminated', on_termination_credit_note: 'skip', on_termination_invoice: 'generate' });
  await settle(bed.env);
  // June paid in advance (9000, D = 30); terminated on Jun 11: unused Jun 12–30 = 19 days × 9000 / 30 = 5700, credited
  // to cal (the default, credit); nothing to sid (skip by PUT) nor to del (skip by DELETE's query).
  expect(await creditNotesOf('cal')).toEqual([5700n]);
  expect(await creditNotesOf('sid')).toEqual([]);
  expect(await creditNotesOf('del')).toEqual([]);
});

it('DELETE ?on_termination_invoice=skip: no final invoice; an unknown option value is a 422 that changes nothing', async () => {
  await moveClockTo(bed.env, '2031-07-03T10:00:00Z');
  await createPlan(bed.api, { name: 'Plain', code: 'plain', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: false });
  await subscribe(bed.api, { external_customer_id: 'ivy', plan_code: 'plain', external_id: 'ivy-sub', billing_time: 'calendar' });
  await subscribe(bed.api, { external_customer_id: 'jon', plan_code: 'plain', external_id: 'jon-sub', billing_time: 'calendar' });
  await sleepUntil(bed.env, '2031-07-13T10:00:00Z');
  const before = await snapshotTables(bed.database.db, TABLES);
  const bad = await bed.api.delete('/subscriptions/ivy-sub?on_termination_invoice=later').expect(422);
  expect(bad.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { on_termination_invoice: ['invalid_value'] } });
  expect(await snapshotTables(bed.database.db, TABLES)).toBe(before);
  await bed.api.delete('/subscriptions/ivy-sub?on_termination_invoice=skip').expect(200);
  await bed.api.delete('/subscriptions/jon-sub').expect(200);
  // jon: July 3–13 is 11 days of D = 31, 11 × 3100 / 31 = 1100 on its final invoice; ivy: none.
  expect((await invoiceTable(bed.api, 'jon')).map((invoice) => [invoice.issuingDate, invoice.total])).toEqual([['2031-07-13', 1100]]);
  expect(await invoiceTable(bed.api, 'ivy')).toEqual([]);
});

it('a refused change answers 4xx and changes nothing', async () => {
  await moveClockTo(bed.env, '2031-08-04T10:00:00Z');
  await subscribe(bed.api, { external_customer_id: 'kai', plan_code: 'plain', external_id: 'kai-sub', billing_time: 'calendar' });
  await subscribe(bed.api, { external_customer_id: 'kai', plan_code: 'plain', external_id: 'kai-later', billing_time: 'calendar', subscription_at: '2031-09-15T00:00:00Z' });
  await settle(bed.env);
  const before = await snapshotTables(bed.database.db, TABLES);
  const refusals = [
    // Started already: its start does not move.
    [await bed.api.put('/subscriptions/kai-sub', { subscription: { subscription_at: '2031-08-20T00:00:00Z' } }), 422, { subscription_at: ['not_editable'] }],
    // An end in the past, or before the start of a subscription not started yet.
    [await bed.api.put('/subscriptions/kai-sub', { subscription: { ending_at: '2031-08-01T00:00:00Z' } }), 422, { ending_at: ['invalid_date'] }],
    [await bed.api.put('/subscriptions/kai-later?status=pending', { subscription: { ending_at: '2031-09-01T00:00:00Z' } }), 422, { ending_at: ['invalid_date'] }],
    // Lago's offset is not supported; plan overrides are premium.
    [await bed.api.put('/subscriptions/kai-sub', { subscription: { on_termination_credit_note: 'offset' } }), 422, { on_termination_credit_note: ['feature_not_supported'] }],
    // Only an active or a pending subscription is edited.
    [await bed.api.put('/subscriptions/kai-sub', { status: 'terminated', subscription: { name: 'x' } }), 422, { status: ['feature_not_supported'] }],
  ] as const;
  for (const [response, status, details] of refusals) {
    expect([response.status, response.body.error_details]).toEqual([status, details]);
  }
  // Overrides are checked before the workflow is asked (issue 16 pt 6): a different trial is refused, and nothing changes.
  const trial = await bed.api.put('/subscriptions/kai-sub', { subscription: { name: 'x', plan_overrides: { amount_cents: 1, trial_period: 9 } } });
  expect([trial.status, trial.body.error_details]).toEqual([422, { 'plan_overrides.trial_period': ['not_editable'] }]);
  const missing = await bed.api.put('/subscriptions/nobody', { subscription: { name: 'x' } });
  expect([missing.status, missing.body.code]).toEqual([404, 'subscription_not_found']);
  expect(await snapshotTables(bed.database.db, TABLES)).toBe(before);

  // Accepted: the pending one's start moves (and shows), the active one's name and consolidation.
  const moved = await bed.api.put('/subscriptions/kai-later', { status: 'pending', subscription: { subscription_at: '2031-09-20T00:00:00Z', ending_at: '2032-01-01T00:00:00Z' } }).expect(200);
  expect(moved.body.subscription).toMatchObject({ status: 'pending', subscription_at: '2031-09-20T00:00:00Z', ending_at: '2032-01-01T00:00:00Z' });
  const renamed = await bed.api.put('/subscriptions/kai-sub', { subscription: { name: 'Kai', consolidate_invoice: false, purchase_order_number: 'PO-7' } }).expect(200);
  expect(renamed.body.subscription).toMatchObject({ name: 'Kai', consolidate_invoice: false, purchase_order_number: 'PO-7' });
  await sleepUntil(bed.env, '2031-09-21T00:00:00Z');
  expect((await bed.api.get('/subscriptions/kai-later').expect(200)).body.subscription).toMatchObject({ status: 'active', started_at: '2031-09-20T00:00:00.000Z' });
});

it('an end is never moved before a billing date already invoiced (the activity refuses, naming the field)', async () => {
  await moveClockTo(bed.env, '2031-10-06T10:00:00Z');
  await subscribe(bed.api, { external_customer_id: 'lea', plan_code: 'plain', external_id: 'lea-sub', billing_time: 'calendar' });
  await sleepUntil(bed.env, '2031-11-02T00:00:00Z'); // Nov 1 is closed
  const row = await bed.database.db('subscriptions').where({ organization_id: bed.api.organization.id, external_id: 'lea-sub' }).first();
  const before = await snapshotTables(bed.database.db, TABLES);
  const edit = { subscriptionId: row.id as string, editId: 'fence', atMs: Date.parse('2031-11-02T00:00:00Z') };
  // Oct 31 ends before Nov 1's close, which billed October whole.
  const error = await applySubscriptionEdit(bed.database.db, { ...edit, endingAt: Date.parse('2031-10-31T12:00:00Z') }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).details).toEqual({ ending_at: ['invalid_date'] });
  expect(await snapshotTables(bed.database.db, TABLES)).toBe(before);
  // Nov 1 itself (the start of the closed date) is allowed. Rolled back: the workflow, which was not
  // asked, must not meet a row that ended behind its back (its Dec 1 close would fail on it).
  await expect(dryRun(bed.database.db, (trx) => applySubscriptionEdit(trx, { ...edit, editId: 'fence-ok', endingAt: Date.parse('2031-11-01T00:00:00Z') })))
    .resolves.toMatchObject({ terms: { endingAt: Date.parse('2031-11-01T00:00:00Z') } });
  expect(await snapshotTables(bed.database.db, TABLES)).toBe(before);
});

it('ending_at cleared by PUT (null): no termination at the old end, the subscription bills on', async () => {
  await moveClockTo(bed.env, '2031-12-03T10:00:00Z');
  await subscribe(bed.api, { external_customer_id: 'max', plan_code: 'plain', external_id: 'max-sub', billing_time: 'calendar', ending_at: '2031-12-20T12:00:00Z' });
  await settle(bed.env);
  const cleared = await bed.api.put('/subscriptions/max-sub', { subscription: { ending_at: null } }).expect(200);
  expect(cleared.body.subscription).toMatchObject({ ending_at: null, status: 'active' });
  await sleepUntil(bed.env, '2032-01-02T00:00:00Z');
  // No final invoice on Dec 20; Jan 1 closes December 3–31: 29 days of D = 31, 29 × 3100 / 31 = 2900.
  expect((await invoiceTable(bed.api, 'max')).map((invoice) => [invoice.issuingDate, invoice.reason, invoice.total])).toEqual([['2032-01-01', 'subscription_periodic', 2900]]);
  expect((await bed.api.get('/subscriptions/max-sub').expect(200)).body.subscription).toMatchObject({ status: 'active', ending_at: null });
});
