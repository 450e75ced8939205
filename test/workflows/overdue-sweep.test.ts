/**
 * Invoices with nothing to collect keep their due dates without a payment workflow each (issue 12):
 * the API, the real worker, the outbox relay and Postgres on the time-skipping server.
 *
 * One organization, customers Ana (UTC) and Kenji (Asia/Tokyo, UTC+9, no daylight saving) without a
 * payment provider, and Payer (UTC, `payment_provider: stripe`, net_payment_term 1). One-off invoices
 * of the 10 000-cent add-on (untaxed) issued at 2027-03-01T03:00Z, which is 2027-03-01 in both
 * timezones: due 2027-03-01 (net 0), so overdue from the start of 2027-03-02 locally:
 *   Kenji: 2027-03-02T00:00+09:00 = 2027-03-01T15:00:00Z; Ana: 2027-03-02T00:00:00Z.
 * Payer's is due 2027-03-02 (net 1): overdue from 2027-03-03T00:00:00Z, by its own payment workflow.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { useWorkflowTestbed } from '../support/testbed';
import { moveClockTo } from '../support/temporal';
import { seedInvoice } from '../support/money';
import { relayWorkflowRequests, type RelayDeps } from '../../src/webhooks/relay';
import { OVERDUE_SWEEP_SIGNAL, overdueWorkflowId, paymentWorkflowId } from '../../src/workflows/ids';
import type { CustomerRow } from '../../src/db/customers';

const TASK_QUEUE = 'overdue-sweep';
const bed = useWorkflowTestbed(TASK_QUEUE);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TOKYO_INSTANT = Date.parse('2027-03-01T15:00:00Z');
const UTC_INSTANT = Date.parse('2027-03-02T00:00:00Z');

beforeAll(async () => {
  const { api } = bed;
  await api.post('/add_ons', { add_on: { name: 'Setup', code: 'setup', amount_cents: 10_000, amount_currency: 'EUR' } }).expect(200);
  await api.post('/customers', { customer: { external_id: 'ana', currency: 'EUR', timezone: 'UTC' } }).expect(200);
  await api.post('/customers', { customer: { external_id: 'kenji', currency: 'EUR', timezone: 'Asia/Tokyo' } }).expect(200);
  await api.post('/customers', { customer: {
    external_id: 'payer', currency: 'EUR', timezone: 'UTC', net_payment_term: 1, billing_configuration: { payment_provider: 'stripe', provider_customer_id: 'cus_payer' },
  } }).expect(200);
}, 120_000);

async function invoiceFor(customer: string): Promise<Json> {
  const res = await bed.api.post('/invoices', { invoice: { external_customer_id: customer, currency: 'EUR', fees: [{ add_on_code: 'setup' }] } });
  expect(res.status).toBe(200);
  return res.body.invoice;
}

/** The relay over the test server's client, recording each start and signal-with-start by workflow id. */
async function relay(): Promise<{ started: string[]; signalled: string[] }> {
  const calls = { started: [] as string[], signalled: [] as string[] };
  const { workflow } = bed.env.client;
  const client: RelayDeps['client'] = {
    workflow: {
      start: ((type: string, options: { workflowId: string }) => {
        calls.started.push(options.workflowId);
        return workflow.start(type, options as never);
      }) as never,
      signalWithStart: ((type: string, options: { workflowId: string }) => {
        calls.signalled.push(options.workflowId);
        return workflow.signalWithStart(type, options as never);
      }) as never,
    },
  };
  await relayWorkflowRequests({ db: bed.database.db, client, taskQueue: TASK_QUEUE });
  return { started: calls.started.sort(), signalled: calls.signalled.sort() };
}

/**
 * The result of a workflow's run once it has completed, read from its history (awaiting `result()`
 * would let the test server's clock leap to the next timer of any workflow).
 */
async function completed(handle: WorkflowHandle, options: { notRun?: string } = {}): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const description = await handle.describe().catch(() => undefined);
    if (description && description.runId !== options.notRun && description.status.name === 'COMPLETED') {
      const history = await bed.env.client.workflow.getHandle(handle.workflowId, description.runId).fetchHistory();
      const done = history.events!.find((event) => event.workflowExecutionCompletedEventAttributes)!;
      return defaultPayloadConverter.fromPayload(done.workflowExecutionCompletedEventAttributes!.result!.payloads![0]!);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${handle.workflowId} did not complete within 30 s`);
}

const invoiceOf = async (id: string): Promise<Json> => (await bed.api.get(`/invoices/${id}`)).body.invoice;
const overdueHooks = async (id: string) => (await bed.database.db('webhook_events').where({ object_id: id, webhook_type: 'invoice.payment_overdue' })).length;
const exists = (workflowId: string) => bed.env.client.workflow.getHandle(workflowId).describe().then(() => true, () => false);

let organizationId: string;
const tokyoWorkflow = () => bed.env.client.workflow.getHandle(overdueWorkflowId(organizationId, TOKYO_INSTANT));
const utcWorkflow = () => bed.env.client.workflow.getHandle(overdueWorkflowId(organizationId, UTC_INSTANT));
let tokyoRun: string;

it('one overdue workflow per (organization, instant) marks each provider-less invoice at its own instant, once; a paid one never; a provider\'s invoice keeps its own payment workflow', async () => {
  organizationId = bed.api.organization.id;
  await moveClockTo(bed.env, '2027-03-01T03:00:00Z');
  const ana1 = await invoiceFor('ana');
  const ana2 = await invoiceFor('ana');
  const kenji1 = await invoiceFor('kenji');
  const payer1 = await invoiceFor('payer');
  expect([ana1, ana2, kenji1].map((invoice) => invoice.payment_due_date)).toEqual(['2027-03-01', '2027-03-01', '2027-03-01']);
  expect(payer1.payment_due_date).toBe('2027-03-02');
  await bed.api.post('/payments', { payment: { invoice_id: ana2.lago_id, amount_cents: 10_000, reference: 'wire' } }).expect(200);

  // Three provider-less invoices, two instants: one signal-with-start each; Payer's invoice: its payment workflow.
  expect(await relay()).toEqual({
    started: [paymentWorkflowId({ type: 'invoice', id: payer1.lago_id })],
    signalled: [overdueWorkflowId(organizationId, TOKYO_INSTANT), overdueWorkflowId(organizationId, UTC_INSTANT)].sort(),
  });
  expect(await relay()).toEqual({ started: [], signalled: [] });
  // A second invoice of Kenji's, relayed later: the same (sleeping) workflow is signalled, not started again.
  const kenji2 = await invoiceFor('kenji');
  expect(await relay()).toEqual({ started: [], signalled: [overdueWorkflowId(organizationId, TOKYO_INSTANT)] });
  for (const invoice of [ana1, ana2, kenji1, kenji2]) expect(await exists(paymentWorkflowId({ type: 'invoice', id: invoice.lago_id }))).toBe(false);
  expect(await exists(paymentWorkflowId({ type: 'invoice', id: payer1.lago_id }))).toBe(true);

  // Past Tokyo's instant: Kenji's two invoices, nothing of Ana's (9 hours to go).
  await moveClockTo(bed.env, '2027-03-01T15:05:00Z');
  expect(await completed(tokyoWorkflow())).toBe('2 overdue in 1 sweep');
  tokyoRun = (await tokyoWorkflow().describe()).runId;
  expect([(await invoiceOf(kenji1.lago_id)).payment_overdue, (await invoiceOf(kenji2.lago_id)).payment_overdue]).toEqual([true, true]);
  expect([(await invoiceOf(ana1.lago_id)).payment_overdue, (await invoiceOf(payer1.lago_id)).payment_overdue]).toEqual([false, false]);

  // Past the UTC instant: Ana's unpaid invoice; her paid one never; Payer's is due a day later.
  await moveClockTo(bed.env, '2027-03-02T00:05:00Z');
  expect(await completed(utcWorkflow())).toBe('1 overdue in 1 sweep');
  expect(await invoiceOf(ana1.lago_id)).toMatchObject({ payment_overdue: true, payment_status: 'pending', total_due_amount_cents: 10_000 });
  expect(await invoiceOf(ana2.lago_id)).toMatchObject({ payment_overdue: false, payment_status: 'succeeded', total_due_amount_cents: 0 });
  expect((await invoiceOf(payer1.lago_id)).payment_overdue).toBe(false);

  // Temporal's work for the four provider-less invoices: two workflows, one sweep activity each (a payment workflow each ran three before its timer).
  for (const handle of [tokyoWorkflow(), utcWorkflow()]) {
    const { events } = await handle.fetchHistory();
    expect(events!.filter((event) => event.activityTaskScheduledEventAttributes).length).toBe(1);
  }

  // Payer's invoice: its own payment workflow (no Stripe connection: nothing charged), overdue at its instant.
  await moveClockTo(bed.env, '2027-03-03T00:05:00Z');
  expect(await completed(bed.env.client.workflow.getHandle(paymentWorkflowId({ type: 'invoice', id: payer1.lago_id })))).toBe('no_provider, overdue');
  expect((await invoiceOf(payer1.lago_id)).payment_overdue).toBe(true);

  // One webhook per invoice marked, none for the paid one.
  expect(await Promise.all([ana1, ana2, kenji1, kenji2, payer1].map((invoice) => overdueHooks(invoice.lago_id)))).toEqual([1, 0, 1, 1, 1]);
  const [hook] = await bed.database.db('webhook_events').where({ object_id: kenji1.lago_id, webhook_type: 'invoice.payment_overdue' });
  expect(hook.payload).toMatchObject({ webhook_type: 'invoice.payment_overdue', object_type: 'invoice', invoice: { lago_id: kenji1.lago_id, payment_overdue: true } });
});

it('an invoice issued after its instant (the sandbox, a late finalization): the finished overdue workflow starts again and sweeps at once', async () => {
  // Issued now (2027-03-03), due 2027-03-01 in Tokyo: its instant, 2027-03-01T15:00Z, is long past, and its workflow has finished.
  const kenji = (await bed.database.db('customers').where({ organization_id: organizationId, external_id: 'kenji' }).first()) as CustomerRow;
  const { invoice: late } = await seedInvoice(bed.database.db, bed.api.organization, kenji, { fees: [{ amountCents: 10_000n }] });
  expect(late.payment_due_date).toBe('2027-03-01');
  const before = await bed.env.currentTimeMs();

  expect(await relay()).toEqual({ started: [], signalled: [overdueWorkflowId(organizationId, TOKYO_INSTANT)] });
  expect(await completed(tokyoWorkflow(), { notRun: tokyoRun })).toBe('1 overdue in 1 sweep');
  expect((await invoiceOf(late.id)).payment_overdue).toBe(true);
  expect(await overdueHooks(late.id)).toBe(1);
  // At once: no timer waited for (the clock moved only as work ran, under a minute).
  expect((await bed.env.currentTimeMs()) - before).toBeLessThan(60_000);
});

it('a run whose history grows long with signals continues as new and still sweeps at its instant', async () => {
  // An instant of its own, 2027-03-10T00:00Z (the clock is at 2027-03-03); a run continues as new past 12 events.
  const instantMs = Date.parse('2027-03-10T00:00:00Z');
  const workflowId = overdueWorkflowId(organizationId, instantMs);
  const first = await bed.env.client.workflow.signalWithStart('overdueWorkflow', {
    workflowId, taskQueue: TASK_QUEUE, args: [{ organizationId, instantMs, historyLimit: 12 }], signal: OVERDUE_SWEEP_SIGNAL, signalArgs: [],
  });
  // Each signal adds at least one event (its own) to the 5 of a sleeping run (started, a workflow task's 3, the timer).
  for (let i = 0; i < 10; i++) await bed.env.client.workflow.getHandle(workflowId).signal(OVERDUE_SWEEP_SIGNAL);
  for (let i = 0; i < 300 && (await bed.env.client.workflow.getHandle(workflowId, first.signaledRunId).describe()).status.name === 'RUNNING'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect((await bed.env.client.workflow.getHandle(workflowId, first.signaledRunId).describe()).status.name).toBe('CONTINUED_AS_NEW');

  // An invoice of Ana's still owing (due 2027-03-01: overdue since 2027-03-02T00:00Z, its own request not relayed): the run at 2027-03-10 marks it.
  const ana = (await bed.database.db('customers').where({ organization_id: organizationId, external_id: 'ana' }).first()) as CustomerRow;
  const { invoice } = await seedInvoice(bed.database.db, bed.api.organization, ana, { fees: [{ amountCents: 10_000n }] });
  expect((await invoiceOf(invoice.id)).payment_overdue).toBe(false);
  await moveClockTo(bed.env, '2027-03-10T00:05:00Z');
  expect(await completed(bed.env.client.workflow.getHandle(workflowId), { notRun: first.signaledRunId })).toBe('1 overdue in 1 sweep');
  expect((await invoiceOf(invoice.id)).payment_overdue).toBe(true);
  expect(await overdueHooks(invoice.id)).toBe(1);
});
