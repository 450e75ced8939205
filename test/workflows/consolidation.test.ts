/**
 * One invoice per customer and billing day (docs/design/consolidation.md), on the time-skipping
 * server with the real worker, activities and Postgres: the periodic closes of a customer's
 * subscriptions on one day share one invoice, also when one subscription's close comes late and
 * when the worker dies between the two; `consolidate_invoice: false` keeps a subscription apart;
 * a downgrade taking effect that day keeps its own invoice (as in Lago). Amounts worked out by hand.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { subscriptionWorkflowId } from '../../src/workflows/ids';
import { eventsOfEveryRun, periodCloses, workflowTaskTimedOutBefore } from '../support/histories';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv, moveClockTo, startTestWorker } from '../support/temporal';
import { createTestApi } from '../support/api';
import { assertBillingInvariants } from '../support/invariants';
import { afterEveryStep, createPlan, invoiceTable, settle, sleepUntil, subscribe, type ScenarioApi } from '../support/scenario';

const ROOT = path.resolve(__dirname, '../..');
const TASK_QUEUE = 'consolidation-test';
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let api: ScenarioApi;
let stopWorker: (() => Promise<void>) | undefined;
/** Runs before the real close activity of the file's worker (a test makes one subscription's close late). */
const hooks: { beforeClose?: (input: { subscriptionId: string; billingDate: string }) => Promise<void> } = {};

afterEveryStep(() => assertBillingInvariants(database.db));

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  database = await createTestDatabase();
  api = await createTestApi(database.db, env, TASK_QUEUE, 'Consolidation Co');
  const activities = createActivities({ db: database.db });
  const closePeriod = activities.closePeriod;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: { codePath: process.env.BILLOW_TEST_WORKFLOW_BUNDLE! },
    activities: {
      ...activities,
      closePeriod: async (input: { subscriptionId: string; billingDate: string }) => {
        await hooks.beforeClose?.(input);
        return closePeriod(input);
      },
    },
  });
  const running = worker.run();
  stopWorker = async () => {
    worker.shutdown();
    await running;
  };
});

afterAll(async () => {
  await stopWorker?.();
  await env?.teardown();
  await database?.drop();
});

/** Ends the scenario's workflows: the clock is shared by the file, later tests need not carry them. */
async function stopWorkflows(organizationId: string, externalIds: string[]): Promise<void> {
  for (const externalId of externalIds) {
    await env.client.workflow.getHandle(subscriptionWorkflowId(organizationId, externalId)).terminate('test finished').catch(() => undefined);
  }
}

async function subscriptionId(externalId: string, status = 'active'): Promise<string> {
  const row = await database.db('subscriptions').where({ organization_id: api.organization.id, external_id: externalId, status }).first('id');
  return row.id as string;
}

/** Each invoice's parts, as (external subscription id, occasion, reason), in the order they were written. */
async function partsOf(invoiceNumber: string): Promise<string[][]> {
  const rows = await database.db('invoice_subscriptions as p').join('invoices as i', 'i.id', 'p.invoice_id').join('subscriptions as s', 's.id', 'p.subscription_id')
    .where({ 'i.number': invoiceNumber, 'i.organization_id': api.organization.id }).orderBy([{ column: 'p.created_at' }, { column: 'p.id' }])
    .select('s.external_id', 'p.occasion', 'p.invoicing_reason');
  return rows.map((row) => [row.external_id, row.occasion, row.invoicing_reason]).sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** Invoices as hand-worked tables state them; the fees of one invoice by item (written together, they have no order). */
function summary(invoices: Awaited<ReturnType<typeof invoiceTable>>) {
  return invoices.map((invoice) => [
    invoice.sequentialId, invoice.issuingDate, invoice.reason, invoice.total,
    invoice.lines.map((line) => [line.item, line.from, line.to, line.amount]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  ]);
}

async function wireInvoice(number: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const list = await api.get('/invoices?per_page=1000').expect(200);
  return (list.body.invoices as { number: string }[]).find((invoice) => invoice.number === number)!;
}

it('two subscriptions of one customer closing on the same day: one invoice with both parts, each with its own fees and periods', async () => {
  await moveClockTo(env, '2030-03-10T10:00:00Z');
  const calls = (await api.post('/billable_metrics', { billable_metric: { name: 'Calls', code: 'calls', aggregation_type: 'count_agg' } }).expect(200)).body.billable_metric.lago_id;
  await createPlan(api, { name: 'Basic', code: 'basic', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: false });
  await createPlan(api, {
    name: 'Team', code: 'team', interval: 'monthly', amount_cents: 6200, amount_currency: 'USD', pay_in_advance: true,
    charges: [{ billable_metric_id: calls, charge_model: 'standard', properties: { amount: '0.25' } }],
  });
  await api.post('/customers', { customer: { external_id: 'cora', currency: 'USD', timezone: 'UTC' } }).expect(200);
  await subscribe(api, { external_customer_id: 'cora', plan_code: 'basic', external_id: 'cora-basic', billing_time: 'calendar' });
  await subscribe(api, { external_customer_id: 'cora', plan_code: 'team', external_id: 'cora-team', billing_time: 'calendar' });
  for (let i = 1; i <= 4; i++) {
    await api.post('/events', { event: { transaction_id: `cora-call-${i}`, code: 'calls', external_subscription_id: 'cora-team' } }).expect(200);
  }
  await sleepUntil(env, '2030-04-01T12:00:00Z');
  await sleepUntil(env, '2030-05-01T12:00:00Z');
  await stopWorkflows(api.organization.id, ['cora-basic', 'cora-team']);

  const invoices = await invoiceTable(api, 'cora');
  expect(summary(invoices)).toEqual([
    // Team starts in advance on Mar 10: Mar 10–31 is 22 days of D = 31, 22 × 6200 / 31 = 4400; its own starting invoice.
    [1, '2030-03-10', 'subscription_starting', 4400, [['subscription:team', '2030-03-10', '2030-03-31', 4400]]],
    // Apr 1, one invoice for both: Basic in arrears, 22 × 3100 / 31 = 2200; Team's April in advance, 6200,
    // and its 4 March calls × 0.25 = 1.00 → 100. Total 2200 + 6200 + 100 = 8500.
    [2, '2030-04-01', 'subscription_periodic', 8500, [
      ['charge:calls', '2030-03-10', '2030-03-31', 100],
      ['subscription:basic', '2030-03-10', '2030-03-31', 2200],
      ['subscription:team', '2030-04-01', '2030-04-30', 6200],
    ]],
    // May 1, again one: Basic's whole April, 3100; Team's May, 6200 (no calls in April). 3100 + 6200 = 9300.
    [3, '2030-05-01', 'subscription_periodic', 9300, [
      ['subscription:basic', '2030-04-01', '2030-04-30', 3100],
      ['subscription:team', '2030-05-01', '2030-05-31', 6200],
    ]],
  ]);
  for (const number of [invoices[1]!.number, invoices[2]!.number]) {
    const date = number === invoices[1]!.number ? '2030-04-01' : '2030-05-01';
    expect(await partsOf(number)).toEqual([
      ['cora-basic', `close:${date}`, 'subscription_periodic'],
      ['cora-team', `close:${date}`, 'subscription_periodic'],
    ]);
    const wire = await wireInvoice(number);
    // Each part keeps its own billing period and reason; each fee names its own subscription.
    expect(wire.billing_periods.map((period: { external_subscription_id: string; invoicing_reason: string }) => [period.external_subscription_id, period.invoicing_reason]).sort())
      .toEqual([['cora-basic', 'subscription_periodic'], ['cora-team', 'subscription_periodic']]);
    expect(wire.fees.map((fee: { item: { code: string }; external_subscription_id: string }) => [fee.item.code, fee.external_subscription_id]).sort())
      .toEqual((number === invoices[1]!.number ? [['basic', 'cora-basic'], ['calls', 'cora-team'], ['team', 'cora-team']] : [['basic', 'cora-basic'], ['team', 'cora-team']]));
  }
});

it("a subscription whose close comes late finds its part on the day's invoice and opens no second one", async () => {
  await moveClockTo(env, '2030-05-10T10:00:00Z');
  await api.post('/customers', { customer: { external_id: 'dora', currency: 'USD', timezone: 'UTC' } }).expect(200);
  await subscribe(api, { external_customer_id: 'dora', plan_code: 'basic', external_id: 'dora-early', billing_time: 'calendar' });
  await subscribe(api, { external_customer_id: 'dora', plan_code: 'basic', external_id: 'dora-late', billing_time: 'calendar' });
  await settle(env);
  const late = await subscriptionId('dora-late');
  const customerId = (await database.db('customers').where({ organization_id: api.organization.id, external_id: 'dora' }).first('id')).id as string;
  const seen: string[] = [];
  // dora-late's close waits until the day's invoice exists: only dora-early's close can have written it.
  hooks.beforeClose = async (input) => {
    if (input.subscriptionId !== late) return;
    const key = `customer:${customerId}:periodic:${input.billingDate}`;
    for (let waited = 0; waited < 10_000; waited += 100) {
      const invoice = await database.db('invoices').where({ organization_id: api.organization.id, idempotency_key: key }).first('id');
      if (invoice) {
        seen.push(`late close after ${key}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    seen.push('the day\'s invoice never came');
  };
  try {
    await sleepUntil(env, '2030-06-01T12:00:00Z');
  } finally {
    hooks.beforeClose = undefined;
    await stopWorkflows(api.organization.id, ['dora-early', 'dora-late']);
  }
  expect(seen).toEqual([`late close after customer:${customerId}:periodic:2030-06-01`]);
  const invoices = await invoiceTable(api, 'dora');
  // May 10–31 is 22 days of D = 31: 22 × 3100 / 31 = 2200 for each, on one invoice: 4400.
  expect(summary(invoices)).toEqual([
    [1, '2030-06-01', 'subscription_periodic', 4400, [
      ['subscription:basic', '2030-05-10', '2030-05-31', 2200],
      ['subscription:basic', '2030-05-10', '2030-05-31', 2200],
    ]],
  ]);
  expect(await partsOf(invoices[0]!.number)).toEqual([
    ['dora-early', 'close:2030-06-01', 'subscription_periodic'],
    ['dora-late', 'close:2030-06-01', 'subscription_periodic'],
  ]);
  // The late close answered with the invoice the early one wrote (its recorded answer, in its history).
  const closes = periodCloses(await eventsOfEveryRun(env.client, subscriptionWorkflowId(api.organization.id, 'dora-late')));
  expect(closes.map((close) => close.result)).toEqual([expect.objectContaining({ number: invoices[0]!.number, created: false })]);
});

it('consolidate_invoice: false keeps a subscription on its own invoice', async () => {
  await moveClockTo(env, '2030-06-10T10:00:00Z');
  await api.post('/customers', { customer: { external_id: 'fay', currency: 'USD', timezone: 'UTC' } }).expect(200);
  const own = await subscribe(api, { external_customer_id: 'fay', plan_code: 'basic', external_id: 'fay-own', billing_time: 'calendar', consolidate_invoice: false });
  expect(own.consolidate_invoice).toBe(false);
  const shared = await subscribe(api, { external_customer_id: 'fay', plan_code: 'basic', external_id: 'fay-shared-1', billing_time: 'calendar' });
  expect(shared.consolidate_invoice).toBe(true);
  await subscribe(api, { external_customer_id: 'fay', plan_code: 'basic', external_id: 'fay-shared-2', billing_time: 'calendar' });
  await sleepUntil(env, '2030-07-01T12:00:00Z');
  await stopWorkflows(api.organization.id, ['fay-own', 'fay-shared-1', 'fay-shared-2']);
  const invoices = await invoiceTable(api, 'fay');
  // June 10–30 is 21 days of D = 30: 21 × 3100 / 30 = 2170 each. fay-own alone (2170); the two others together (4340).
  const byParts = await Promise.all(invoices.map(async (invoice) => [invoice.total, (await partsOf(invoice.number)).map((part) => part[0])] as const));
  expect(byParts.sort((a, b) => a[0] - b[0])).toEqual([
    [2170, ['fay-own']],
    [4340, ['fay-shared-1', 'fay-shared-2']],
  ]);
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.reason])).toEqual([['2030-07-01', 'subscription_periodic'], ['2030-07-01', 'subscription_periodic']]);
  expect(invoices.map((invoice) => invoice.sequentialId)).toEqual([1, 2]);
});

it('a downgrade taking effect that day keeps its own invoice; the new plan joins the next consolidated one', async () => {
  await moveClockTo(env, '2030-07-10T10:00:00Z');
  await createPlan(api, { name: 'Small', code: 'small', interval: 'monthly', amount_cents: 3000, amount_currency: 'USD', pay_in_advance: false });
  await createPlan(api, { name: 'Large', code: 'large', interval: 'monthly', amount_cents: 6000, amount_currency: 'USD', pay_in_advance: false });
  await api.post('/customers', { customer: { external_id: 'gus', currency: 'USD', timezone: 'UTC' } }).expect(200);
  await subscribe(api, { external_customer_id: 'gus', plan_code: 'small', external_id: 'gus-stay', billing_time: 'calendar' });
  await subscribe(api, { external_customer_id: 'gus', plan_code: 'large', external_id: 'gus-down', billing_time: 'calendar' });
  await settle(env);
  await subscribe(api, { external_customer_id: 'gus', plan_code: 'small', external_id: 'gus-down' }); // a downgrade: at the end of July
  await sleepUntil(env, '2030-08-01T12:00:00Z');
  await sleepUntil(env, '2030-09-01T12:00:00Z');
  await stopWorkflows(api.organization.id, ['gus-stay', 'gus-down']);
  const invoices = await invoiceTable(api, 'gus');
  const rows = await Promise.all(invoices.map(async (invoice) => [invoice.issuingDate, invoice.total, (await partsOf(invoice.number)).map((part) => `${part[0]} ${part[2]}`)] as const));
  // Aug 1: July 10–31 is 22 days of D = 31. gus-stay's periodic part, 22 × 3000 / 31 = 2129.03… → 2129, on the
  // customer's invoice of the day; gus-down's downgrade on its own, as Lago bills it: the large plan's 22 days,
  // 22 × 6000 / 31 = 4258.06… → 4258 (the small plan, in arrears, bills nothing at its start: no part).
  // Sep 1: both on small for all of August, 3000 + 3000 = 6000, on one invoice again.
  expect(rows.sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1])).toEqual([
    ['2030-08-01', 2129, ['gus-stay subscription_periodic']],
    ['2030-08-01', 4258, ['gus-down subscription_terminating']],
    ['2030-09-01', 6000, ['gus-down subscription_periodic', 'gus-stay subscription_periodic']],
  ]);
});

it('a worker killed between the two closes of the day: one invoice, both parts, no gap in numbering', async () => {
  const taskQueue = 'consolidation-kill';
  const killApi = await createTestApi(database.db, env, taskQueue, 'Kill Co');
  await moveClockTo(env, '2030-09-10T10:00:00Z');
  await createPlan(killApi, { name: 'Plain', code: 'plain', interval: 'monthly', amount_cents: 3000, amount_currency: 'USD', pay_in_advance: false });
  await subscribe(killApi, { external_customer_id: 'kira', plan_code: 'plain', external_id: 'kira-a', billing_time: 'calendar' });
  await subscribe(killApi, { external_customer_id: 'kira', plan_code: 'plain', external_id: 'kira-b', billing_time: 'calendar' });
  const second = (await database.db('subscriptions').where({ organization_id: killApi.organization.id, external_id: 'kira-b' }).first('id')).id as string;
  // The child worker writes kira-a's close and dies before reporting it; it never starts kira-b's.
  const child = startWorkerProcess(taskQueue, { BILLOW_TEST_HANG_AFTER_CLOSE: '1', BILLOW_TEST_HANG_BEFORE_CLOSE_OF: second });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  let stopKillWorker: (() => Promise<void>) | undefined;
  try {
    await waitFor(() => output.includes('worker ready'), 60_000, () => output);
    await settle(env);
    const crossing = sleepUntil(env, '2030-10-01T12:00:00Z');
    await waitFor(() => output.includes('closed') && output.includes(`holding ${second}`), 60_000, () => output);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // Between the two: the day's invoice holds both parts already.
    const written = await database.db('invoices').where({ organization_id: killApi.organization.id }).select('id');
    expect(written).toHaveLength(1);
    expect(await database.db('invoice_subscriptions').where({ invoice_id: written[0].id }).count({ c: '*' }).then((rows) => Number(rows[0]!.c))).toBe(2);
    stopKillWorker = await startTestWorker(env, database.db, taskQueue);
    await crossing;
    await sleepUntil(env, '2030-11-01T12:00:00Z');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stopWorkflowsOf(killApi.organization.id, ['kira-a', 'kira-b']);
    await stopKillWorker?.();
  }
  const invoices = await invoiceTable(killApi, 'kira');
  // September 10–30 is 21 days of D = 30: 21 × 3000 / 30 = 2100 each, 4200 together; October whole: 3000 each, 6000.
  expect(invoices.map((invoice) => [invoice.sequentialId, invoice.issuingDate, invoice.total, invoice.lines.length])).toEqual([
    [1, '2030-10-01', 4200, 2],
    [2, '2030-11-01', 6000, 2],
  ]);
  // kira-a's close, whose report was lost with the child, ran again (the task the child held timed out) and found
  // the part it had written: its recorded answer is the day's invoice, not created by it.
  const events = await eventsOfEveryRun(env.client, subscriptionWorkflowId(killApi.organization.id, 'kira-a'));
  const [october] = periodCloses(events);
  expect(october).toMatchObject({ local: true, result: { number: invoices[0]!.number, created: false } });
  expect(workflowTaskTimedOutBefore(events, october!.eventId)).toBe(true);
});

async function stopWorkflowsOf(organizationId: string, externalIds: string[]): Promise<void> {
  await stopWorkflows(organizationId, externalIds);
}

function startWorkerProcess(taskQueue: string, extra: Record<string, string>): ChildProcess {
  // One process (tsx as a loader, not its CLI, which would run the worker in a grandchild the kill misses).
  return spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: database.url, TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function waitFor(condition: () => boolean, timeoutMs: number, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out. Output:\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
