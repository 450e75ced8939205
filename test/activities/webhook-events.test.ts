/** The outbox calls other services make: once per business key, with the API's serializers; document requests once per document. */
import { randomUUID } from 'node:crypto';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { insertPlan } from '../../src/db/plans';
import { upsertCustomer } from '../../src/db/customers';
import { insertSubscription } from '../../src/db/subscriptions';
import { activateSubscription } from '../../src/services/subscriptions/subscriptions';
import { recordWebhookEvent, requestDocument } from '../../src/webhooks/outbox';
import { issuedWebhookType } from '../../src/services/invoicing/invoice-events';
import type { OrganizationRow } from '../../src/db/organizations';

let database: TestDatabase;
let organization: OrganizationRow;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ organization } = await createTestOrganization(database.db, 'Events Org'));
});

afterAll(async () => database?.drop());

it('subscription.started is recorded once, however often the start activity runs, with the subscription as the API shows it', async () => {
  const { db } = database;
  const plan = await insertPlan(db, organization.id, { code: 'team', name: 'Team', interval: 'monthly', amount_cents: 12000n, amount_currency: 'USD', pay_in_advance: true });
  const { customer } = await upsertCustomer(db, organization.id, 'acme', { currency: 'USD', timezone: 'UTC' });
  const subscription = await insertSubscription(db, {
    organization_id: organization.id, customer_id: customer.id, plan_id: plan.id, external_id: 'acme-team', name: 'Project 1',
    status: 'pending', billing_time: 'anniversary', subscription_at: new Date('2027-01-19T00:00:00Z'), started_at: null,
    trial_ended_at: null, ending_at: null, terminated_at: null, canceled_at: null, previous_subscription_id: null,
    on_termination_credit_note: null, workflow_id: 'subscription/x/acme-team',
  } as never);
  await activateSubscription(db, subscription.id);
  await activateSubscription(db, subscription.id); // an activity retry
  const events = await db('webhook_events').where({ organization_id: organization.id, webhook_type: 'subscription.started' });
  expect(events).toHaveLength(1);
  expect(events[0].payload).toMatchObject({
    webhook_type: 'subscription.started',
    object_type: 'subscription',
    organization_id: organization.id,
    subscription: { lago_id: subscription.id, external_id: 'acme-team', external_customer_id: 'acme', plan_code: 'team', status: 'active', name: 'Project 1' },
  });
});

it('an idempotency key records an event once; without one, every call records', async () => {
  const { db } = database;
  const record = (key?: string) => db.transaction((trx) => recordWebhookEvent(trx, {
    organizationId: organization.id, webhookType: 'wallet_transaction.created', objectType: 'wallet_transaction', object: { lago_id: 'w1' }, idempotencyKey: key,
  }));
  const first = await record('wallet_transaction.created:w1');
  expect(first).toEqual(expect.any(String));
  expect(await record('wallet_transaction.created:w1')).toBeNull();
  await record();
  await record();
  const [{ n }] = (await db('webhook_events').where({ webhook_type: 'wallet_transaction.created' }).count({ n: '*' })) as [{ n: bigint | string }];
  expect(Number(n)).toBe(3);
  await expect(db.transaction((trx) => recordWebhookEvent(trx, {
    organizationId: organization.id, webhookType: 'invoice.exploded' as never, objectType: 'invoice', object: {},
  }))).rejects.toThrow('Unknown webhook type invoice.exploded');
});

it("an issued invoice's webhook type follows Lago: drafted, created, one_off_created, paid_credit_added", () => {
  expect(issuedWebhookType({ status: 'draft', invoice_type: 'subscription' })).toBe('invoice.drafted');
  expect(issuedWebhookType({ status: 'finalized', invoice_type: 'subscription' })).toBe('invoice.created');
  expect(issuedWebhookType({ status: 'finalized', invoice_type: 'one_off' })).toBe('invoice.one_off_created');
  expect(issuedWebhookType({ status: 'finalized', invoice_type: 'credit' })).toBe('invoice.paid_credit_added');
  expect(issuedWebhookType({ status: 'voided', invoice_type: 'subscription' })).toBeNull();
});

it('a document is requested once; a request in a rolled-back transaction does not exist', async () => {
  const { db } = database;
  const count = async () => Number(((await db('document_requests').count({ n: '*' })) as [{ n: bigint | string }])[0].n);
  const creditNote = { organizationId: organization.id, documentType: 'credit_note' as const, id: randomUUID() };
  expect(await db.transaction((trx) => requestDocument(trx, creditNote))).toEqual(expect.any(String));
  expect(await db.transaction((trx) => requestDocument(trx, creditNote))).toBeNull();
  // The same id as another type of document is another document.
  expect(await db.transaction((trx) => requestDocument(trx, { ...creditNote, documentType: 'invoice' }))).toEqual(expect.any(String));
  expect(await count()).toBe(2);

  await expect(db.transaction(async (trx) => {
    await requestDocument(trx, { organizationId: organization.id, documentType: 'invoice', id: randomUUID() });
    throw new Error('the change failed');
  })).rejects.toThrow('the change failed');
  expect(await count()).toBe(2);
  expect(await db('document_requests').whereNotNull('dispatched_at').first()).toBeUndefined();
});
