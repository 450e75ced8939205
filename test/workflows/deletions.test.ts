/**
 * Lago's deletions on the real worker: `DELETE /customers/:id` and `DELETE /plans/:code` end the
 * subscriptions through their workflows (final invoices and credit notes as any termination),
 * `DELETE /subscriptions/:id?status=pending` drops a scheduled downgrade or cancels a future
 * start, and the currency rule between plans and customers. Every amount is worked out by hand
 * beside it; the billing invariants are checked after each step.
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { createPlan, invoiceTable, sleepUntil, soonAfter, subscribe } from '../support/scenario';
import { markPlanForDeletion } from '../../src/services/catalog';

const bed = useWorkflowTestbed('deletions-test');

const db = () => bed.database.db;
const subscriptionRows = (externalId: string) =>
  db()('subscriptions').where({ organization_id: bed.api.organization.id, external_id: externalId }).orderBy('created_at');
/** An instant to the second (the test clock runs on in real time while work is in flight). */
const second = (date: Date | null) => (date ? `${date.toISOString().slice(0, 19)}Z` : null);
const webhooksOf = (objectId: string) => db()('webhook_events').where({ object_id: objectId }).orderBy('created_at').pluck('webhook_type');

it('DELETE /customers/:id terminates its subscriptions with their final invoice and credit note, cancels the pending one, then deletes it', async () => {
  await moveClockTo(bed.env, '2034-03-01T10:00:00Z');
  await createPlan(bed.api, { name: 'Arrears', code: 'arrears', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: false });
  await createPlan(bed.api, { name: 'Advance', code: 'advance', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: true });
  const created = await bed.api.post('/customers', { customer: { external_id: 'cleo', currency: 'USD', timezone: 'UTC' } }).expect(200);
  await subscribe(bed.api, { external_customer_id: 'cleo', plan_code: 'arrears', external_id: 'cleo-a', billing_time: 'calendar' });
  await subscribe(bed.api, { external_customer_id: 'cleo', plan_code: 'advance', external_id: 'cleo-b', billing_time: 'calendar' });
  await subscribe(bed.api, { external_customer_id: 'cleo', plan_code: 'arrears', external_id: 'cleo-c', billing_time: 'calendar', subscription_at: '2034-04-15T00:00:00Z' });
  await sleepUntil(bed.env, '2034-03-11T12:00:00Z');

  const deleted = await bed.api.delete('/customers/cleo').expect(200);
  expect(deleted.body.customer).toMatchObject({ lago_id: created.body.customer.lago_id, external_id: 'cleo', currency: 'USD' });
  await bed.api.get('/customers/cleo').expect(404);

  const [a, b, c] = [(await subscriptionRows('cleo-a'))[0], (await subscriptionRows('cleo-b'))[0], (await subscriptionRows('cleo-c'))[0]];
  expect([a.status, second(a.terminated_at)]).toEqual(['terminated', '2034-03-11T12:00:00Z']);
  expect([b.status, second(b.terminated_at)]).toEqual(['terminated', '2034-03-11T12:00:00Z']);
  expect([c.status, second(c.canceled_at), c.started_at]).toEqual(['canceled', '2034-03-11T12:00:00Z', null]);

  const invoices = await db()('invoices').where({ customer_id: created.body.customer.lago_id }).orderBy('sequential_id');
  expect(invoices.map((invoice) => [invoice.issuing_date, BigInt(invoice.total_amount_cents)])).toEqual([
    ['2034-03-01', 3100n], // cleo-b in advance from its start: Mar 1–31 = 31 days × 3100/31
    ['2034-03-11', 1100n], // cleo-a's final invoice: Mar 1–11 = 11 days × 3100/31 (cleo-b, paid in advance, has nothing left to bill)
  ]);
  const creditNotes = await db()('credit_notes').whereIn('invoice_id', invoices.map((invoice) => invoice.id));
  // cleo-b's unused days Mar 12–31 = 20 days × 3100/31 = 2000.
  expect(creditNotes.map((note) => [note.reason, BigInt(note.total_amount_cents)])).toEqual([['order_cancellation', 2000n]]);
  expect(await webhooksOf(a.id)).toEqual(['subscription.started', 'subscription.terminated']);
  expect(await webhooksOf(b.id)).toEqual(['subscription.started', 'subscription.terminated']);
  expect(await webhooksOf(c.id)).toEqual(['subscription.canceled']);

  // Nothing after: the pending subscription never starts, no period closes.
  await sleepUntil(bed.env, '2034-04-20T00:00:00Z');
  expect(await db()('invoices').where({ customer_id: created.body.customer.lago_id }).pluck('id')).toHaveLength(2);
  expect((await subscriptionRows('cleo-c'))[0].status).toBe('canceled');
  // The external id is free again.
  const again = await bed.api.post('/customers', { customer: { external_id: 'cleo' } }).expect(200);
  expect(again.body.customer.lago_id).not.toBe(created.body.customer.lago_id);
});

it('DELETE /plans/:code marks it pending deletion, terminates its subscriptions, drops a downgrade to it, then deletes it', async () => {
  await moveClockTo(bed.env, '2034-05-01T00:00:00Z');
  await createPlan(bed.api, { name: 'Legacy', code: 'legacy', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: false });
  await createPlan(bed.api, { name: 'Premium', code: 'premium', interval: 'monthly', amount_cents: 9300, amount_currency: 'USD', pay_in_advance: false });
  for (const name of ['dan', 'eve']) {
    await subscribe(bed.api, { external_customer_id: name, plan_code: 'legacy', external_id: `${name}-sub`, billing_time: 'calendar' });
  }
  await subscribe(bed.api, { external_customer_id: 'fay', plan_code: 'premium', external_id: 'fay-sub', billing_time: 'calendar' });
  await sleepUntil(bed.env, '2034-05-10T12:00:00Z');
  const downgrade = await subscribe(bed.api, { external_customer_id: 'fay', plan_code: 'legacy', external_id: 'fay-sub' });
  expect(downgrade).toMatchObject({ plan_code: 'premium', next_plan_code: 'legacy', downgrade_plan_date: '2034-06-01' });
  await sleepUntil(bed.env, '2034-05-16T12:00:00Z');
  const before = (await bed.api.get('/plans/legacy').expect(200)).body.plan;

  const deleted = await bed.api.delete('/plans/legacy').expect(200);
  expect(deleted.body.plan).toEqual({ ...before, pending_deletion: true }); // Lago's answer: the plan as marked
  await bed.api.get('/plans/legacy').expect(404);
  const planRow = await db()('plans').where({ id: before.lago_id }).first();
  expect([planRow.pending_deletion, planRow.deleted_at instanceof Date]).toEqual([false, true]);
  const planEvents = await db()('webhook_events').where({ object_id: before.lago_id }).orderBy('created_at').select('webhook_type', 'payload');
  expect(planEvents.map((event) => event.webhook_type)).toEqual(['plan.created', 'plan.deleted']);
  expect(planEvents[1].payload).toEqual({ webhook_type: 'plan.deleted', object_type: 'plan', organization_id: bed.api.organization.id, plan: deleted.body.plan });

  for (const name of ['dan', 'eve']) {
    const [row] = await subscriptionRows(`${name}-sub`);
    expect([row.status, second(row.terminated_at)]).toEqual(['terminated', '2034-05-16T12:00:00Z']);
    // May 1–16 = 16 days × 3100/31 = 1600.
    expect((await invoiceTable(bed.api, name)).map((invoice) => [invoice.issuingDate, invoice.reason, invoice.total])).toEqual([
      ['2034-05-16', 'subscription_terminating', 1600],
    ]);
  }
  // fay stays on premium; the downgrade to the deleted plan is canceled.
  const fay = (await bed.api.get('/subscriptions/fay-sub').expect(200)).body.subscription;
  expect(fay).toMatchObject({ plan_code: 'premium', status: 'active', next_plan_code: null, downgrade_plan_date: null });
  expect((await subscriptionRows('fay-sub')).map((row) => [row.status, second(row.canceled_at)])).toEqual([
    ['active', null],
    ['canceled', '2034-05-16T12:00:00Z'],
  ]);

  await sleepUntil(bed.env, '2034-06-01T12:00:00Z');
  // May whole on premium (no downgrade on Jun 1): 9300.
  expect((await invoiceTable(bed.api, 'fay')).map((invoice) => [invoice.issuingDate, invoice.lines.map((line) => [line.item, line.amount])])).toEqual([
    ['2034-06-01', [['subscription:premium', 9300]]],
  ]);
  expect(await invoiceTable(bed.api, 'dan')).toHaveLength(1);
});

it('a plan pending deletion takes no new subscription, and the termination of its last subscription deletes it', async () => {
  await moveClockTo(bed.env, '2034-06-05T00:00:00Z');
  await createPlan(bed.api, { name: 'Sunset', code: 'sunset', interval: 'monthly', amount_cents: 3000, amount_currency: 'USD', pay_in_advance: false });
  await subscribe(bed.api, { external_customer_id: 'gil', plan_code: 'sunset', external_id: 'gil-sub', billing_time: 'calendar' });
  // As a DELETE /plans/sunset that died right after marking the plan.
  await markPlanForDeletion(db(), bed.api.organization.id, 'sunset');
  expect((await bed.api.get('/plans/sunset').expect(200)).body.plan.pending_deletion).toBe(true);

  const refused = await bed.api.post('/subscriptions', { subscription: { external_customer_id: 'hal', plan_code: 'sunset', external_id: 'hal-sub' } });
  expect(refused.status).toBe(422);
  expect(refused.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { plan_code: ['plan_pending_deletion'] } });
  expect(await db()('customers').where({ organization_id: bed.api.organization.id, external_id: 'hal' })).toEqual([]);
  expect(await subscriptionRows('hal-sub')).toEqual([]);

  await sleepUntil(bed.env, '2034-06-10T12:00:00Z');
  await bed.api.delete('/subscriptions/gil-sub').expect(200);
  // Jun 5–10 = 6 days × 3000/30 = 600; the activity that ended the plan's last subscription deleted the plan.
  expect((await invoiceTable(bed.api, 'gil')).map((invoice) => invoice.total)).toEqual([600]);
  await bed.api.get('/plans/sunset').expect(404);
});

it('DELETE /subscriptions/:id?status=pending drops a scheduled downgrade (the subscription stays on its plan) and cancels a future start', async () => {
  await moveClockTo(bed.env, '2034-07-01T00:00:00Z');
  await createPlan(bed.api, { name: 'Big', code: 'big', interval: 'monthly', amount_cents: 9300, amount_currency: 'USD', pay_in_advance: false });
  await createPlan(bed.api, { name: 'Small', code: 'small', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: false });
  await subscribe(bed.api, { external_customer_id: 'ian', plan_code: 'big', external_id: 'ian-sub', billing_time: 'calendar' });
  await sleepUntil(bed.env, '2034-07-10T00:00:00Z');
  expect(await subscribe(bed.api, { external_customer_id: 'ian', plan_code: 'small', external_id: 'ian-sub' }))
    .toMatchObject({ plan_code: 'big', next_plan_code: 'small', downgrade_plan_date: '2034-08-01' });

  const canceled = await bed.api.delete('/subscriptions/ian-sub?status=pending').expect(200);
  expect(canceled.body.subscription).toMatchObject({ external_id: 'ian-sub', plan_code: 'small', status: 'canceled', canceled_at: soonAfter('2034-07-10T00:00:00Z') });
  expect((await bed.api.get('/subscriptions/ian-sub').expect(200)).body.subscription)
    .toMatchObject({ plan_code: 'big', status: 'active', next_plan_code: null, downgrade_plan_date: null });
  await bed.api.delete('/subscriptions/ian-sub?status=pending').expect(404); // nothing pending any more
  const [current, pending] = await subscriptionRows('ian-sub');
  expect(await webhooksOf(current.id)).toEqual(['subscription.started', 'subscription.updated', 'subscription.updated']); // downgrade, then its cancellation
  expect(await webhooksOf(pending.id)).toEqual(['subscription.canceled']);

  // A subscription that has not started yet is canceled, as before.
  await subscribe(bed.api, { external_customer_id: 'jon', plan_code: 'small', external_id: 'jon-sub', billing_time: 'calendar', subscription_at: '2034-07-20T00:00:00Z' });
  const future = await bed.api.delete('/subscriptions/jon-sub?status=pending').expect(200);
  expect(future.body.subscription).toMatchObject({ status: 'canceled', canceled_at: soonAfter('2034-07-10T00:00:00Z'), started_at: null });

  await sleepUntil(bed.env, '2034-08-01T12:00:00Z');
  // July whole on big (the downgrade never applies): 9300; jon never started.
  expect((await invoiceTable(bed.api, 'ian')).map((invoice) => [invoice.issuingDate, invoice.lines.map((line) => [line.item, line.amount])])).toEqual([
    ['2034-08-01', [['subscription:big', 9300]]],
  ]);
  expect(await invoiceTable(bed.api, 'jon')).toEqual([]);
});

describe('currency', () => {
  beforeAll(async () => {
    await moveClockTo(bed.env, '2034-08-10T00:00:00Z');
    await createPlan(bed.api, { name: 'Dollar', code: 'dollar', interval: 'monthly', amount_cents: 1000, amount_currency: 'USD', pay_in_advance: false });
    await createPlan(bed.api, { name: 'Euro', code: 'euro', interval: 'monthly', amount_cents: 2000, amount_currency: 'EUR', pay_in_advance: false });
  });

  it('a plan in another currency than the customer\'s is refused, and nothing is written', async () => {
    await bed.api.post('/customers', { customer: { external_id: 'kim', currency: 'EUR' } }).expect(200);
    const res = await bed.api.post('/subscriptions', { subscription: { external_customer_id: 'kim', plan_code: 'dollar', external_id: 'kim-sub' } });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { currency: ['currencies_does_not_match'] } });
    expect(await subscriptionRows('kim-sub')).toEqual([]);
    await subscribe(bed.api, { external_customer_id: 'kim', plan_code: 'euro', external_id: 'kim-sub' }); // its own currency is fine
  });

  it('a customer without a currency takes the plan\'s, and keeps it: no plan change nor update to another', async () => {
    await subscribe(bed.api, { external_customer_id: 'lee', plan_code: 'dollar', external_id: 'lee-sub' }); // lee is created by the subscription
    expect((await bed.api.get('/customers/lee').expect(200)).body.customer.currency).toBe('USD');

    const change = await bed.api.post('/subscriptions', { subscription: { external_customer_id: 'lee', plan_code: 'euro', external_id: 'lee-sub' } });
    expect(change.status).toBe(422);
    expect(change.body.error_details).toEqual({ currency: ['currencies_does_not_match'] });
    expect((await subscriptionRows('lee-sub')).map((row) => row.status)).toEqual(['active']);
    expect((await bed.api.get('/subscriptions/lee-sub').expect(200)).body.subscription.plan_code).toBe('dollar');

    const update = await bed.api.post('/customers', { customer: { external_id: 'lee', currency: 'EUR' } });
    expect(update.status).toBe(422);
    expect(update.body.error_details).toEqual({ currency: ['currencies_does_not_match'] });
    expect((await bed.api.get('/customers/lee').expect(200)).body.customer.currency).toBe('USD');

    await bed.api.post('/customers', { customer: { external_id: 'mia' } }).expect(200);
    await subscribe(bed.api, { external_customer_id: 'mia', plan_code: 'euro', external_id: 'mia-sub' });
    expect((await bed.api.get('/customers/mia').expect(200)).body.customer.currency).toBe('EUR');
  });
});
