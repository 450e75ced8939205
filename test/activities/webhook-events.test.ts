/** The outbox calls other services make: once per business key, with the API's serializers; document requests once per document. */
import { randomUUID } from 'node:crypto';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { insertPlan } from '../../src/db/plans';
import { upsertCustomer } from '../../src/db/customers';
import { insertSubscription } from '../../src/db/subscriptions';
import { activateSubscription } from '../../src/services/subscriptions/subscriptions';
import { recordWebhookEvent, requestDocument } from '../../src/webhooks/outbox';
import { ensureDeliveriesOfEvents, insertEndpoint } from '../../src/db/webhooks';
import { issuedWebhookType } from '../../src/services/invoicing/invoice-events';
import type { OrganizationRow } from '../../src/db/organizations';
import { MockActivityEnvironment } from '@temporalio/testing';
import { lifecycleActivities } from '../../src/activities/lifecycle';
import { silentLogger } from '../support/temporal';

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

describe('the notices and the plan-change cancellation of a subscription workflow', () => {
  const env = () => new MockActivityEnvironment(undefined, { logger: silentLogger });
  const activities = () => lifecycleActivities({ db: database.db });
  const newSubscription = async (externalId: string, fields: Record<string, unknown> = {}) => {
    const plan = await insertPlan(database.db, organization.id, { code: `plan-${externalId}`, name: 'Plan', interval: 'monthly', amount_cents: 1000n, amount_currency: 'USD', pay_in_advance: false });
    const { customer } = await upsertCustomer(database.db, organization.id, `customer-${externalId}`, { currency: 'USD', timezone: 'UTC' });
    return insertSubscription(database.db, {
      organization_id: organization.id, customer_id: customer.id, plan_id: plan.id, external_id: externalId, name: null,
      status: 'active', billing_time: 'calendar', subscription_at: new Date('2027-03-01T00:00:00Z'), started_at: new Date('2027-03-01T00:00:00Z'),
      trial_ended_at: null, ending_at: new Date('2027-06-30T00:00:00Z'), terminated_at: null, canceled_at: null, previous_subscription_id: null,
      on_termination_credit_note: null, workflow_id: `subscription/x/${externalId}`, ...fields,
    } as never);
  };
  const eventsOf = (subscriptionId: string) => database.db('webhook_events').where({ object_id: subscriptionId }).orderBy('created_at').select('webhook_type', 'payload', 'idempotency_key');

  it('endTrial sets trial_ended_at and records subscription.trial_ended once, with the subscription and its customer', async () => {
    const subscription = await newSubscription('trialist');
    const input = { subscriptionId: subscription.id, trialEndedAtMs: Date.parse('2027-03-15T00:00:00Z') };
    await env().run(activities().endTrial, input);
    await env().run(activities().endTrial, input); // a retry
    const events = await eventsOf(subscription.id);
    expect(events.map((event) => event.webhook_type)).toEqual(['subscription.trial_ended']);
    expect(events[0].payload.subscription).toMatchObject({
      lago_id: subscription.id, trial_ended_at: '2027-03-15T00:00:00Z',
      customer: { external_id: 'customer-trialist', currency: 'USD', taxes: [] },
    });
    expect((await database.db('subscriptions').where({ id: subscription.id }).first()).trial_ended_at.toISOString()).toBe('2027-03-15T00:00:00.000Z');
  });

  it('alertTermination records one subscription.termination_alert per alert instant, retries included', async () => {
    const subscription = await newSubscription('leaving');
    const alert = (iso: string) => env().run(activities().alertTermination, { subscriptionId: subscription.id, alertAtMs: Date.parse(iso) });
    await alert('2027-06-15T00:00:00Z');
    await alert('2027-06-15T00:00:00Z'); // a retry
    await alert('2027-06-29T00:00:00Z');
    const events = await eventsOf(subscription.id);
    expect(events.map((event) => [event.webhook_type, event.idempotency_key])).toEqual([
      ['subscription.termination_alert', `subscription.termination_alert:${subscription.id}:2027-06-15T00:00:00.000Z`],
      ['subscription.termination_alert', `subscription.termination_alert:${subscription.id}:2027-06-29T00:00:00.000Z`],
    ]);
    expect(events[0].payload.subscription).toMatchObject({ status: 'active', ending_at: '2027-06-30T00:00:00Z', customer: { external_id: 'customer-leaving' } });
  });

  it('cancelPlanChange cancels the pending subscription once: subscription.canceled on it, subscription.updated on the one that stays', async () => {
    const current = await newSubscription('keeper');
    const pending = await newSubscription('keeper-next', {
      external_id: 'keeper', status: 'pending', started_at: null, previous_subscription_id: current.id,
    });
    const input = { subscriptionId: current.id, pendingSubscriptionId: pending.id, atMs: Date.parse('2027-03-20T10:00:00Z') };
    await env().run(activities().cancelPlanChange, input);
    await env().run(activities().cancelPlanChange, input); // a retry
    const row = await database.db('subscriptions').where({ id: pending.id }).first();
    expect([row.status, row.canceled_at.toISOString()]).toEqual(['canceled', '2027-03-20T10:00:00.000Z']);
    expect((await eventsOf(pending.id)).map((event) => event.webhook_type)).toEqual(['subscription.canceled']);
    const updated = await eventsOf(current.id);
    expect(updated.map((event) => event.webhook_type)).toEqual(['subscription.updated']);
    expect(updated[0].payload.subscription).toMatchObject({ lago_id: current.id, status: 'active' });
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

describe('the deliveries of an event', () => {
  const endpoint = (organizationId: string, url: string, eventTypes: string[] | null) =>
    insertEndpoint(database.db, organizationId, { webhook_url: url, signature_algo: 'hmac', name: null, event_types: eventTypes });
  const urlsOf = async (eventId: string) => (await database.db('webhooks').where({ event_id: eventId }).orderBy('webhook_url')).map((row) => row.webhook_url);

  it('are recorded with the event, one per endpoint of its organization that wants its type, and once per idempotency key', async () => {
    const { organization: org } = await createTestOrganization(database.db, 'Deliveries Org');
    const { organization: other } = await createTestOrganization(database.db, 'Other Org');
    await endpoint(org.id, 'https://all.example.com/hook', null);
    await endpoint(org.id, 'https://invoices.example.com/hook', ['invoice.created']);
    await endpoint(org.id, 'https://customers.example.com/hook', ['customer.created']);
    await endpoint(other.id, 'https://other.example.com/hook', null);
    const event = { organizationId: org.id, webhookType: 'invoice.created' as const, objectType: 'invoice', object: { lago_id: randomUUID() }, idempotencyKey: 'invoice.created:k1' };
    const id = await recordWebhookEvent(database.db, event);
    expect(id).not.toBeNull();
    expect(await urlsOf(id!)).toEqual(['https://all.example.com/hook', 'https://invoices.example.com/hook']);
    expect(await recordWebhookEvent(database.db, event)).toBeNull();
    expect(await database.db('webhooks').where({ event_id: id! })).toHaveLength(2);
  });

  it("are completed at the relay's claim for an endpoint added since, and the claim answers each event's deliveries, none twice", async () => {
    const { organization: org } = await createTestOrganization(database.db, 'Claim Org');
    await endpoint(org.id, 'https://early.example.com/hook', null);
    const first = await recordWebhookEvent(database.db, { organizationId: org.id, webhookType: 'invoice.created', objectType: 'invoice', object: { lago_id: randomUUID() } });
    const second = await recordWebhookEvent(database.db, { organizationId: org.id, webhookType: 'customer.created', objectType: 'customer', object: { lago_id: randomUUID() } });
    await endpoint(org.id, 'https://late.example.com/hook', ['customer.created']);
    const claimed = await database.db.transaction((trx) => ensureDeliveriesOfEvents(trx, [first!, second!]));
    expect(claimed.map((row) => [row.event_id, row.webhook_url]).sort()).toEqual([
      [first, 'https://early.example.com/hook'], [second, 'https://early.example.com/hook'], [second, 'https://late.example.com/hook'],
    ].sort());
    const again = await database.db.transaction((trx) => ensureDeliveriesOfEvents(trx, [first!, second!]));
    expect(again.map((row) => row.id).sort()).toEqual(claimed.map((row) => row.id).sort());
    expect(await urlsOf(second!)).toEqual(['https://early.example.com/hook', 'https://late.example.com/hook']);
  });
});
