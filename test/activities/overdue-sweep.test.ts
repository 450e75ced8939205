/**
 * An organization's overdue sweep (issue 12: no payment workflow per invoice with nothing to
 * collect) against a real database, without Temporal:
 *
 * - issuing an invoice asks, in its transaction, for the payment workflow of an invoice whose
 *   customer has a payment provider, and otherwise for the overdue workflow of its organization and
 *   overdue instant, one request per invoice (once, however often it is announced);
 * - a sweep at an instant marks exactly the invoices overdue by then that still owe, each once
 *   (one `invoice.payment_overdue`), whatever marked it before (a sweep, a retried sweep, the
 *   invoice's own payment workflow), and the payment workflow's answer stays `overdue`;
 * - a sweep that dies after its first page resumes from its heartbeat and marks the rest once.
 *
 * Every invoice is seeded through the writer's announcement (`seedInvoice`): issued and due on
 * 2027-03-01, 10 000 cents, untaxed.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { seedCustomer, seedInvoice } from '../support/money';
import { silentLogger } from '../support/temporal';
import { announceIssued } from '../../src/services/invoicing/invoice-events';
import { invoiceWebhookObject } from '../../src/services/invoicing/invoice-presenter';
import { createManualPayment, markOverdue, sweepOverdue } from '../../src/services/payments';
import { paymentActivities } from '../../src/activities/payments';
import { overdueWorkflowId, paymentWorkflowId } from '../../src/workflows/ids';
import type { OrganizationRow } from '../../src/db/organizations';
import type { InvoiceRow } from '../../src/db/invoices';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => database?.drop());

// Due 2027-03-01: overdue from the start of 2027-03-02 in the customer's timezone.
// UTC: 2027-03-02T00:00:00Z. Asia/Tokyo (UTC+9, no daylight saving): 2027-03-02T00:00+09:00 = 2027-03-01T15:00:00Z.
const UTC_INSTANT = Date.parse('2027-03-02T00:00:00Z');
const TOKYO_INSTANT = Date.parse('2027-03-01T15:00:00Z');
const HOUR = 3_600_000;

const tenEuros = { fees: [{ amountCents: 10_000n }] };

async function organizationWithCustomers(name: string) {
  const { organization } = await createTestOrganization(database.db, name);
  const ana = await seedCustomer(database.db, organization.id, 'ana', { timezone: 'UTC' });
  const kenji = await seedCustomer(database.db, organization.id, 'kenji', { timezone: 'Asia/Tokyo' });
  const payer = await seedCustomer(database.db, organization.id, 'payer', { timezone: 'UTC', billing_configuration: { payment_provider: 'stripe', provider_customer_id: 'cus_payer' } });
  return { organization, ana, kenji, payer };
}

const requestsOf = (organization: OrganizationRow) =>
  database.db('workflow_requests').where({ organization_id: organization.id }).orderBy('workflow_id').orderBy('request_key').select('workflow_type', 'workflow_id', 'request_key', 'args');

async function overdueHooks(invoice: InvoiceRow): Promise<number> {
  return (await database.db('webhook_events').where({ object_id: invoice.id, webhook_type: 'invoice.payment_overdue' })).length;
}

const overdueFlag = async (invoice: InvoiceRow) => (await database.db('invoices').where({ id: invoice.id }).first()).payment_overdue as boolean;

it('issuing asks for the overdue workflow of (organization, instant) per invoice with nothing to collect, and a payment workflow per invoice with a provider', async () => {
  const { organization, ana, kenji, payer } = await organizationWithCustomers('Requests Org');
  const { invoice: ana1 } = await seedInvoice(database.db, organization, ana, tenEuros);
  const { invoice: ana2 } = await seedInvoice(database.db, organization, ana, tenEuros);
  const { invoice: kenji1 } = await seedInvoice(database.db, organization, kenji, tenEuros);
  const { invoice: paid } = await seedInvoice(database.db, organization, kenji, { ...tenEuros, paymentStatus: 'succeeded' });
  const { invoice: collected } = await seedInvoice(database.db, organization, payer, tenEuros);
  // Announced again (a draft finalized, a retried activity): nothing more is requested.
  await database.db.transaction((trx) => announceIssued(trx, ana1, { customer: ana, organization }));

  const utc = overdueWorkflowId(organization.id, UTC_INSTANT);
  const tokyo = overdueWorkflowId(organization.id, TOKYO_INSTANT);
  const expected = [
    { workflow_type: 'overdueWorkflow', workflow_id: utc, request_key: `invoice:${ana1.id}`, args: [{ organizationId: organization.id, instantMs: UTC_INSTANT }] },
    { workflow_type: 'overdueWorkflow', workflow_id: utc, request_key: `invoice:${ana2.id}`, args: [{ organizationId: organization.id, instantMs: UTC_INSTANT }] },
    { workflow_type: 'overdueWorkflow', workflow_id: tokyo, request_key: `invoice:${kenji1.id}`, args: [{ organizationId: organization.id, instantMs: TOKYO_INSTANT }] },
    { workflow_type: 'paymentWorkflow', workflow_id: paymentWorkflowId({ type: 'invoice', id: collected.id }), request_key: '', args: [{ organizationId: organization.id, payable: { type: 'invoice', id: collected.id } }] },
  ].sort((a, b) => a.workflow_id.localeCompare(b.workflow_id) || a.request_key.localeCompare(b.request_key));
  expect(await requestsOf(organization)).toEqual(expected);
  // The paid invoice asks for nothing; no provider-less invoice has a payment workflow.
  expect(JSON.stringify(await requestsOf(organization))).not.toContain(paid.id);
});

it('a sweep marks each invoice at its own instant, once; a paid one never; a retried sweep and the invoice\'s own payment workflow mark nothing twice', async () => {
  const { organization, ana, kenji, payer } = await organizationWithCustomers('Sweep Org');
  const { invoice: anaUnpaid } = await seedInvoice(database.db, organization, ana, tenEuros);
  const { invoice: anaPaid } = await seedInvoice(database.db, organization, ana, tenEuros);
  const { invoice: kenji1 } = await seedInvoice(database.db, organization, kenji, tenEuros);
  const { invoice: kenji2 } = await seedInvoice(database.db, organization, kenji, tenEuros);
  const { invoice: collected } = await seedInvoice(database.db, organization, payer, tenEuros);
  await createManualPayment(database.db, organization.id, { invoice_id: anaPaid.id, amount_cents: 10_000, reference: 'wire' }, TOKYO_INSTANT - 2 * HOUR);

  // A millisecond before Tokyo's instant: nothing is overdue anywhere.
  expect(await sweepOverdue(database.db, organization.id, TOKYO_INSTANT - 1)).toBe(0);
  // At Tokyo's instant: Kenji's two invoices; Ana's (UTC) are due 9 hours later.
  expect(await sweepOverdue(database.db, organization.id, TOKYO_INSTANT)).toBe(2);
  expect([await overdueFlag(kenji1), await overdueFlag(kenji2), await overdueFlag(anaUnpaid), await overdueFlag(collected)]).toEqual([true, true, false, false]);
  // The same sweep again (a retried activity) an hour later: nothing more.
  expect(await sweepOverdue(database.db, organization.id, TOKYO_INSTANT + HOUR)).toBe(0);
  // At the UTC instant: Ana's unpaid invoice and the collected one (due too: whoever comes first marks it); the paid one never.
  expect(await sweepOverdue(database.db, organization.id, UTC_INSTANT)).toBe(2);
  // The collected invoice's own payment workflow, at its timer: it is overdue (its answer), and not marked again.
  expect(await markOverdue(database.db, organization.id, collected.id, UTC_INSTANT)).toBe(true);
  expect(await markOverdue(database.db, organization.id, anaPaid.id, UTC_INSTANT)).toBe(false);

  expect([await overdueFlag(anaUnpaid), await overdueFlag(anaPaid), await overdueFlag(collected)]).toEqual([true, false, true]);
  expect(await Promise.all([anaUnpaid, anaPaid, kenji1, kenji2, collected].map(overdueHooks))).toEqual([1, 0, 1, 1, 1]);
  const hook = await database.db('webhook_events').where({ object_id: kenji1.id, webhook_type: 'invoice.payment_overdue' }).first();
  expect(hook.payload).toMatchObject({ webhook_type: 'invoice.payment_overdue', object_type: 'invoice', invoice: { lago_id: kenji1.id, payment_overdue: true } });
  // One page marked Ana's and the payer's invoices sharing what it read: each payload is its own invoice as a fresh read presents it.
  for (const [invoice, customer] of [[anaUnpaid, 'ana'], [collected, 'payer']] as const) {
    const event = await database.db('webhook_events').where({ object_id: invoice.id, webhook_type: 'invoice.payment_overdue' }).first();
    const row = (await database.db<InvoiceRow>('invoices').where({ id: invoice.id }).first())!;
    expect(event.payload.invoice).toEqual(JSON.parse(JSON.stringify(await invoiceWebhookObject(database.db, row, null, UTC_INSTANT))));
    expect(event.payload.invoice.customer.external_id).toBe(customer);
  }
});

it('an invoice its payment workflow marked first is not marked again by the sweep', async () => {
  const { organization, payer, ana } = await organizationWithCustomers('First Org');
  const { invoice: collected } = await seedInvoice(database.db, organization, payer, tenEuros);
  const { invoice: plain } = await seedInvoice(database.db, organization, ana, tenEuros);
  expect(await markOverdue(database.db, organization.id, collected.id, UTC_INSTANT)).toBe(true);
  // Only Ana's is marked by the sweep.
  expect(await sweepOverdue(database.db, organization.id, UTC_INSTANT + 5_000)).toBe(1);
  expect([await overdueHooks(collected), await overdueHooks(plain)]).toEqual([1, 1]);
});

it('the sweep activity, lost after its first page, resumes from its heartbeat and marks each invoice once', async () => {
  const { organization, ana } = await organizationWithCustomers('Retry Org');
  const invoices: InvoiceRow[] = [];
  for (let i = 0; i < 5; i++) invoices.push((await seedInvoice(database.db, organization, ana, tenEuros)).invoice);

  // Pages of 2: the first page commits, then the worker is lost (its heartbeat recorded the position).
  let heartbeat: unknown;
  const lost = sweepOverdue(database.db, organization.id, UTC_INSTANT, {
    pageSize: 2,
    onPage: (position) => {
      heartbeat = position;
      throw new Error('worker lost');
    },
  });
  await expect(lost).rejects.toThrow('worker lost');
  expect((await Promise.all(invoices.map(overdueFlag))).filter(Boolean)).toHaveLength(2);

  // The retry, given the heartbeat's details: the 3 left.
  const activities = paymentActivities({ db: database.db });
  const retry = new MockActivityEnvironment({ heartbeatDetails: heartbeat, attempt: 2 }, { logger: silentLogger });
  expect(await retry.run(activities.sweepOverdueInvoices, { organizationId: organization.id, instantMs: UTC_INSTANT, nowMs: UTC_INSTANT })).toBe(3);
  // A retry from the start (no heartbeat): nothing more.
  const again = new MockActivityEnvironment({ attempt: 3 }, { logger: silentLogger });
  expect(await again.run(activities.sweepOverdueInvoices, { organizationId: organization.id, instantMs: UTC_INSTANT, nowMs: UTC_INSTANT + 60_000 })).toBe(0);
  expect(await Promise.all(invoices.map(overdueHooks))).toEqual([1, 1, 1, 1, 1]);
  expect(await Promise.all(invoices.map(overdueFlag))).toEqual([true, true, true, true, true]);
});
