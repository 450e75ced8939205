/** The invoicing activities alone: a retried or duplicated call never creates a second invoice. */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { silentLogger } from '../support/temporal';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { insertPlan } from '../../src/db/plans';
import { upsertCustomer } from '../../src/db/customers';
import { insertSubscription } from '../../src/db/subscriptions';
import { loadSubscriptionContext } from '../../src/db/subscription-context';
import { issueInvoice } from '../../src/services/invoicing';
import { subscriptionFeeLine } from '../../src/billing/fee-lines';
import { snapshotTables } from '../support/money';

let database: TestDatabase;
let subscriptionId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  const { organization } = await createTestOrganization(db, 'Idem Corp');
  const plan = await insertPlan(db, organization.id, { code: 'm', name: 'Monthly', interval: 'monthly', amount_cents: 3100n, amount_currency: 'EUR', pay_in_advance: false });
  const { customer } = await upsertCustomer(db, organization.id, 'cust', { currency: 'EUR', timezone: 'UTC' });
  const subscription = await insertSubscription(db, {
    organization_id: organization.id, customer_id: customer.id, plan_id: plan.id, external_id: 'sub', name: null,
    status: 'active', billing_time: 'calendar', subscription_at: new Date('2027-01-01T00:00:00Z'), started_at: new Date('2027-01-01T00:00:00Z'),
    trial_ended_at: null, ending_at: null, terminated_at: null, canceled_at: null, previous_subscription_id: null,
    on_termination_credit_note: null, workflow_id: 'subscription/x/sub',
  });
  subscriptionId = subscription.id;
});

afterAll(async () => database?.drop());

const activities = () => createActivities({ db: database.db });

it('closing the same period twice leaves one invoice', async () => {
  const env = new MockActivityEnvironment(undefined, { logger: silentLogger });
  const first = await env.run(activities().closePeriod, { subscriptionId, billingDate: '2027-02-01' });
  const retry = await env.run(activities().closePeriod, { subscriptionId, billingDate: '2027-02-01' });
  expect(first).toMatchObject({ created: true });
  expect(retry).toEqual({ ...(first as object), created: false });
  const invoices = await database.db('invoices').where({ subscription_id: subscriptionId });
  expect(invoices).toHaveLength(1);
  // January is a whole calendar period in arrears: 3100 cents, one fee.
  expect(invoices[0].total_amount_cents).toBe(3100n);
  expect(await database.db('fees').where({ invoice_id: invoices[0].id })).toHaveLength(1);
});

it('concurrent duplicates of the next period also leave one invoice, and numbering stays gapless', async () => {
  const env = new MockActivityEnvironment(undefined, { logger: silentLogger });
  const results = (await Promise.all([1, 2, 3, 4].map(() => env.run(activities().closePeriod, { subscriptionId, billingDate: '2027-03-01' })))) as ({ invoiceId: string } | null)[];
  expect(new Set(results.map((result) => result?.invoiceId)).size).toBe(1);
  const invoices = await database.db('invoices').where({ subscription_id: subscriptionId }).orderBy('sequential_id');
  expect(invoices.map((invoice) => invoice.sequential_id)).toEqual([1n, 2n]);
  // February 2027 in arrears: a whole period, 3100.
  expect(invoices[1].total_amount_cents).toBe(3100n);
});

it('the writer refuses to bill a subscription twice for the same days, and writes nothing', async () => {
  const { db } = database;
  const ctx = await loadSubscriptionContext(db, subscriptionId);
  const before = await snapshotTables(db, ['invoices', 'fees', 'sequence_counters', 'webhook_events', 'document_requests']);
  // January 2027 was billed by the first close above (2027-01-01 … 2027-01-31). A second invoice,
  // under another business key, billing 2027-01-15 … 2027-02-14 would bill January 15–31 twice.
  const line = subscriptionFeeLine(
    { code: ctx.plan.code, name: ctx.plan.name, invoiceDisplayName: null, amountCents: 3100n, payInAdvance: false },
    baseFeeScope('2027-01-15', '2027-02-14'),
    'EUR', [],
  );
  await expect(issueInvoice(db, {
    organization: ctx.organization, customer: ctx.customer, idempotencyKey: 'a-second-key', type: 'subscription', reason: 'subscription_periodic',
    subscriptionId, currency: 'EUR', issuingDate: '2027-02-15', lines: [{ ...line, subscriptionId }], billingPeriods: [],
  })).rejects.toThrow(`Double billing detected: subscription ${subscriptionId} would be billed 2027-01-15T00:00:00.000Z – 2027-02-14T23:59:59.999Z although 2027-01-01T00:00:00.000Z – 2027-01-31T23:59:59.999Z is billed already`);
  expect(await snapshotTables(db, ['invoices', 'fees', 'sequence_counters', 'webhook_events', 'document_requests'])).toBe(before);
});

/** A whole 31-day period's base-fee scope, from and to (inclusive) in UTC. */
function baseFeeScope(startDate: string, endDate: string) {
  const span = { startDate, endDate, fromMs: Date.parse(`${startDate}T00:00:00Z`), toMs: Date.parse(`${endDate}T23:59:59.999Z`) };
  return { ...span, period: { ...span, fullDays: 31 }, billedDays: 31, fullDays: 31 };
}
