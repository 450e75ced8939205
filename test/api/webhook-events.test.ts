/**
 * The webhooks the catalog, customer and invoice requests record (Lago's customer.*, plan.*,
 * billable_metric.*, invoice.payment_status_updated): one per change, in the change's transaction
 * (a refused request records none), each carrying the object exactly as the API answered it.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { seedAddOn } from '../support/money';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Hooks Corp');
});
afterAll(async () => database?.drop());

interface RecordedEvent {
  webhook_type: string;
  payload: Record<string, unknown>;
}

/** Events recorded since the last call, oldest first. */
let seen = 0;
async function newEvents(): Promise<RecordedEvent[]> {
  const rows = await database.db('webhook_events').where({ organization_id: api.organization.id }).orderBy('created_at').select('webhook_type', 'payload');
  const fresh = rows.slice(seen);
  seen = rows.length;
  return fresh as RecordedEvent[];
}

const envelope = (webhookType: string, objectType: string, object: unknown) => ({
  webhook_type: webhookType, object_type: objectType, organization_id: api.organization.id, [objectType]: object,
});

it('customer.created on the first POST /customers, customer.updated on each later one; a refused one records nothing', async () => {
  await newEvents();
  const created = await api.post('/customers', { customer: { external_id: 'acme', name: 'Acme', currency: 'EUR' } }).expect(200);
  const updated = await api.post('/customers', { customer: { external_id: 'acme', name: 'Acme SAS' } }).expect(200);
  expect(updated.body.customer.name).toBe('Acme SAS');
  expect((await api.post('/customers', { customer: { external_id: 'acme', tax_codes: ['nope'] } })).status).toBe(422);
  expect(await newEvents()).toEqual([
    { webhook_type: 'customer.created', payload: envelope('customer.created', 'customer', created.body.customer) },
    { webhook_type: 'customer.updated', payload: envelope('customer.updated', 'customer', updated.body.customer) },
  ]);
});

it('billable_metric.created, .updated and .deleted carry the metric as answered', async () => {
  await newEvents();
  const metric = { name: 'Calls', code: 'calls', aggregation_type: 'count_agg' };
  const created = await api.post('/billable_metrics', { billable_metric: metric }).expect(200);
  const updated = await api.put('/billable_metrics/calls', { billable_metric: { description: 'API calls' } }).expect(200);
  expect((await api.put('/billable_metrics/calls', { billable_metric: { aggregation_type: 'sum_agg' } })).status).toBe(422); // field_name missing
  const deleted = await api.delete('/billable_metrics/calls').expect(200);
  expect(await newEvents()).toEqual([
    { webhook_type: 'billable_metric.created', payload: envelope('billable_metric.created', 'billable_metric', created.body.billable_metric) },
    { webhook_type: 'billable_metric.updated', payload: envelope('billable_metric.updated', 'billable_metric', updated.body.billable_metric) },
    { webhook_type: 'billable_metric.deleted', payload: envelope('billable_metric.deleted', 'billable_metric', deleted.body.billable_metric) },
  ]);
});

it('plan.created, plan.updated and plan.deleted carry the plan as answered (with subscriptions: test/workflows/deletions.test.ts)', async () => {
  await newEvents();
  const plan = { name: 'Team', code: 'team', interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false };
  const created = await api.post('/plans', { plan }).expect(200);
  const updated = await api.put('/plans/team', { plan: { amount_cents: 1200 } }).expect(200);
  expect((await api.post('/plans', { plan })).status).toBe(422); // the code exists
  expect(await newEvents()).toEqual([
    { webhook_type: 'plan.created', payload: envelope('plan.created', 'plan', created.body.plan) },
    { webhook_type: 'plan.updated', payload: envelope('plan.updated', 'plan', updated.body.plan) },
  ]);
  // A plan without subscriptions is deleted at once: plan.deleted once, with the plan as answered (pending deletion).
  const deleted = await api.delete('/plans/team').expect(200);
  expect(await newEvents()).toEqual([{ webhook_type: 'plan.deleted', payload: envelope('plan.deleted', 'plan', deleted.body.plan) }]);
});

it('invoice.payment_status_updated for each change of the payment status, none when it stays', async () => {
  await seedAddOn(database.db, api.organization.id, 'setup', 1050n);
  const invoice = (await api.post('/invoices', { invoice: { external_customer_id: 'acme', currency: 'EUR', fees: [{ add_on_code: 'setup', units: 1 }] } }).expect(200)).body.invoice;
  await newEvents();
  const paid = await api.put(`/invoices/${invoice.lago_id}`, { invoice: { payment_status: 'succeeded' } }).expect(200);
  await api.put(`/invoices/${invoice.lago_id}`, { invoice: { payment_status: 'succeeded' } }).expect(200); // no change
  await api.put(`/invoices/${invoice.lago_id}`, { invoice: { metadata: [{ key: 'po', value: '42' }] } }).expect(200); // not the payment status
  const failed = await api.put(`/invoices/${invoice.lago_id}`, { invoice: { payment_status: 'failed' } }).expect(200);
  const events = await newEvents();
  expect(events.map((event) => [event.webhook_type, (event.payload.invoice as { payment_status: string }).payment_status])).toEqual([
    ['invoice.payment_status_updated', 'succeeded'],
    ['invoice.payment_status_updated', 'failed'],
  ]);
  expect(events[0]!.payload).toEqual(envelope('invoice.payment_status_updated', 'invoice', paid.body.invoice));
  expect(events[1]!.payload).toEqual(envelope('invoice.payment_status_updated', 'invoice', failed.body.invoice));
});
