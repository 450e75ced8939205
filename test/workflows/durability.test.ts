/**
 * Durability of the subscription workflow: years of periods in one run (continue-as-new only when
 * the history is full, issue 12) with a small history per boundary, a worker killed in the middle of a period close yields exactly one invoice
 * and no gap in numbering, and the histories this file records replay on the current code.
 * With BILLOW_RECORD_HISTORIES=1 the recorded histories are also written (as the proto's plain
 * object: 64-bit numbers and bytes as strings) to test/workflows/histories/, whose files test/workflows/replay.test.ts replays on every run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv, moveClockTo, startTestWorker } from '../support/temporal';
import { createTestApi } from '../support/api';
import { assertBillingInvariants } from '../support/invariants';
import { afterEveryStep, createPlan, invoiceTable, settle, sleepUntil, subscribe } from '../support/scenario';
import { subscriptionWorkflowId } from '../../src/workflows/ids';
import { eventsOfEveryRun, historiesOfEveryRun, periodCloses, workflowTaskTimedOutBefore } from '../support/histories';

const ROOT = path.resolve(__dirname, '../..');
const HISTORIES = path.join(__dirname, 'histories');
let env: TestWorkflowEnvironment;
let database: TestDatabase;
const recorded: { name: string; workflowId: string; history: temporal.api.history.v1.IHistory }[] = [];

afterEveryStep(() => assertBillingInvariants(database.db));

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  database = await createTestDatabase();
});

afterAll(async () => {
  await env?.teardown();
  await database?.drop();
});

/** Every run of a workflow id, oldest first (continue-as-new starts a new run when the history is full). */
const runsOf = (workflowId: string) => historiesOfEveryRun(env.client, workflowId);

it('three years of monthly billing in one run: each boundary invoiced once, one workflow task and 6 events per boundary', async () => {
  const api = await createTestApi(database.db, env, 'durability-years', 'Years Co');
  const stopWorker = await startTestWorker(env, database.db, 'durability-years');
  let runs: temporal.api.history.v1.IHistory[] = [];
  try {
    await moveClockTo(env, '2027-01-01T00:30:00Z');
    await createPlan(api, { name: 'Monthly', code: 'monthly', interval: 'monthly', amount_cents: 1000, amount_currency: 'USD', pay_in_advance: true });
    await subscribe(api, { external_customer_id: 'years', plan_code: 'monthly', external_id: 'years-sub', billing_time: 'calendar' });
    await sleepUntil(env, '2030-01-01T12:00:00Z');
    // Read while it runs (it waits for Feb 1 2030): the recorded history then replays as a live run would.
    runs = await runsOf(subscriptionWorkflowId(api.organization.id, 'years-sub'));
  } finally {
    await stopWorkflows(api.organization.id, ['years-sub']);
    await stopWorker();
  }
  // Jan 2027 at the start, then 36 boundaries (Feb 2027 … Jan 2030): 37 invoices of 1000.
  const invoices = await invoiceTable(api, 'years');
  expect(invoices.map((invoice) => invoice.total)).toEqual(Array(37).fill(1000));
  // One run: the 36 closes (36 × 6 events, see below) stay far under the 2,000-event limit that would continue it as new.
  expect(runs).toHaveLength(1);
  const events = runs[0]!.events ?? [];
  const closes = periodCloses(events);
  expect(closes.filter((close) => close.local)).toHaveLength(36);
  // From one close to the next: the next timer started and fired, a task (scheduled, started, completed) that runs
  // the close as a local activity, and the close's marker: 6 events, 1 task.
  for (let i = 1; i < closes.length; i += 1) {
    // After the first close, + 2: the loop's patch marker and the SDK's upsert of TemporalChangeVersion that goes with it.
    expect(closes[i]!.eventId - closes[i - 1]!.eventId).toBe(6 + (i === 1 ? 2 : 0));
    const tasks = events.filter((event) => Number(event.eventId) > closes[i - 1]!.eventId && Number(event.eventId) < closes[i]!.eventId && event.workflowTaskCompletedEventAttributes);
    expect(tasks).toHaveLength(1);
  }
  recorded.push({ name: 'three-years-local-close', workflowId: 'years', history: runs[0]! });
  await assertBillingInvariants(database.db);
});

it('a worker killed in the middle of a period close: one invoice for the period, no gap in numbering', async () => {
  const taskQueue = 'durability-kill';
  const api = await createTestApi(database.db, env, taskQueue, 'Kill Co');
  const child = startWorkerProcess(taskQueue);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await waitFor(() => output.includes('worker ready'), 60_000, () => output);
  trace('child ready');

  await moveClockTo(env, '2031-03-10T10:00:00Z');
  await createPlan(api, { name: 'Arrears', code: 'arrears', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: false });
  await subscribe(api, { external_customer_id: 'kim', plan_code: 'arrears', external_id: 'kim-sub', billing_time: 'calendar' });
  await settle(env);
  trace('subscribed');

  // Cross the 2031-04-01 boundary: the child writes the invoice, then hangs before reporting.
  const crossing = sleepUntil(env, '2031-04-01T12:00:00Z');
  await waitFor(() => output.includes('closed'), 60_000, () => output);
  trace('closed by child');
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  trace('child killed');

  // A new worker takes over: the workflow task the child held times out, and the close runs again in the next one.
  const stopWorker = await startTestWorker(env, database.db, taskQueue);
  try {
    await crossing;
    trace('crossed');
    await sleepUntil(env, '2031-05-01T12:00:00Z');
  } finally {
    await stopWorkflows(api.organization.id, ['kim-sub']);
    await stopWorker();
  }
  const invoices = await invoiceTable(api, 'kim');
  // March 10–31 of D = 31: 22 × 3100/31 = 2200; April whole: 3100. Numbers 1 and 2, nothing twice.
  expect(invoices.map((invoice) => [invoice.sequentialId, invoice.issuingDate, invoice.total])).toEqual([
    [1, '2031-04-01', 2200],
    [2, '2031-05-01', 3100],
  ]);
  // The close the killed worker never reported ran again on the new worker, which found the invoice written: its
  // recorded answer says so. Before it, the task the killed worker held timed out.
  const events = await eventsOfEveryRun(env.client, subscriptionWorkflowId(api.organization.id, 'kim-sub'));
  const [april] = periodCloses(events);
  expect(april).toMatchObject({ local: true, result: { number: invoices[0]!.number, created: false } });
  expect(workflowTaskTimedOutBefore(events, april!.eventId)).toBe(true);
  await assertBillingInvariants(database.db);
});

it('messages in history: seat signals, an upgrade and a termination', async () => {
  const api = await createTestApi(database.db, env, 'durability-messages', 'Messages Co');
  const stopWorker = await startTestWorker(env, database.db, 'durability-messages');
  try {
    await moveClockTo(env, '2032-02-01T09:00:00Z');
    const seats = await api.post('/billable_metrics', { billable_metric: { name: 'Seats', code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'seat_id', recurring: true } }).expect(200);
    const charges = [{ billable_metric_id: seats.body.billable_metric.lago_id, charge_model: 'standard', properties: { amount: '5' }, prorated: true }];
    await createPlan(api, { name: 'Starter', code: 'starter', interval: 'monthly', amount_cents: 1000, amount_currency: 'USD', pay_in_advance: true, charges });
    await createPlan(api, { name: 'Scale', code: 'scale', interval: 'monthly', amount_cents: 5000, amount_currency: 'USD', pay_in_advance: true, charges });
    await subscribe(api, { external_customer_id: 'max', plan_code: 'starter', external_id: 'max-sub', billing_time: 'anniversary' });
    await api.post('/events', { event: { transaction_id: 'seat-a', code: 'seats', external_subscription_id: 'max-sub', properties: { seat_id: 'a' } } }).expect(200);
    await sleepUntil(env, '2032-03-05T09:00:00Z');
    await subscribe(api, { external_customer_id: 'max', plan_code: 'scale', external_id: 'max-sub' });
    await sleepUntil(env, '2032-03-10T09:00:00Z');
    await api.delete('/subscriptions/max-sub').expect(200);
  } finally {
    await stopWorker();
  }
  const runs = await runsOf(subscriptionWorkflowId(api.organization.id, 'max-sub'));
  const events = runs.flatMap((run) => run.events ?? []);
  expect(events.some((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'usageRecorded')).toBe(true);
  const updates = events.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes)
    .map((event) => event.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest?.input?.name);
  expect(updates).toEqual(['changePlan', 'terminate']);
  // One run: the Mar 1 close no longer ends it. The seats-upgrade-terminate-run-N files were recorded by this scenario
  // before (one run per close) and keep replaying.
  expect(runs).toHaveLength(1);
  recorded.push({ name: 'seats-upgrade-terminate-local-close', workflowId: 'max', history: runs[0]! });
  await assertBillingInvariants(database.db);
});

it('a trial and a fixed term in history: trial end, period closes, ending_at', async () => {
  const api = await createTestApi(database.db, env, 'durability-notices', 'Notices Co');
  const stopWorker = await startTestWorker(env, database.db, 'durability-notices');
  try {
    await moveClockTo(env, '2033-01-10T09:00:00Z');
    await createPlan(api, { name: 'Trial', code: 'trial', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: true, trial_period: 5 });
    await subscribe(api, { external_customer_id: 'tess', plan_code: 'trial', external_id: 'tess-sub', billing_time: 'calendar', ending_at: '2033-03-20T12:00:00Z' });
    await sleepUntil(env, '2033-03-25T00:00:00Z');
  } finally {
    await stopWorker();
  }
  // Trial Jan 10 09:00 + 5 days = Jan 15 09:00: Jan 15–31 = 17 days × 3100/31 = 1700; February whole (3100);
  // March in advance up to the ending date only: Mar 1–20 = 20 days × 3100/31 = 2000. The termination at ending_at
  // has nothing left to bill (no charges, every day paid in advance) and nothing to credit (no day paid past the end).
  const invoices = await invoiceTable(api, 'tess');
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.total])).toEqual([['2033-01-15', 1700], ['2033-02-01', 3100], ['2033-03-01', 2000]]);
  // The workflow's own notices, each once, in order, with the subscription and its customer as the API shows them:
  // the trial's end (Jan 15 09:00), then 45, 15 and 1 days before Mar 20 12:00: Feb 3 (Mar 20 → Feb 28 is 20 days,
  // 25 more), Mar 5 and Mar 19, all at 12:00.
  const subscription = await database.db('subscriptions').where({ organization_id: api.organization.id, external_id: 'tess-sub' }).first();
  expect(subscription.trial_ended_at.getTime()).toBe(subscription.started_at.getTime() + 5 * 86_400_000); // the start, to the millisecond, + 5 days
  expect(subscription.trial_ended_at.toISOString().slice(0, 19)).toBe('2033-01-15T09:00:00');
  const events = await database.db('webhook_events').where({ object_id: subscription.id }).orderBy('created_at').select('webhook_type', 'payload', 'idempotency_key');
  expect(events.map((event) => event.webhook_type)).toEqual([
    'subscription.started', 'subscription.trial_ended',
    'subscription.termination_alert', 'subscription.termination_alert', 'subscription.termination_alert',
    'subscription.terminated',
  ]);
  const customer = (await api.get('/customers/tess').expect(200)).body.customer;
  expect(events[1].payload.subscription).toMatchObject({ lago_id: subscription.id, trial_ended_at: '2033-01-15T09:00:00Z', customer });
  expect(events.slice(2, 5).map((event) => event.idempotency_key)).toEqual(['2033-02-03', '2033-03-05', '2033-03-19'].map(
    (date) => `subscription.termination_alert:${subscription.id}:${date}T12:00:00.000Z`,
  ));
  expect(events[4].payload.subscription).toMatchObject({ status: 'active', ending_at: '2033-03-20T12:00:00Z', customer });
  const runs = await runsOf(subscriptionWorkflowId(api.organization.id, 'tess-sub'));
  // Jan 15 (trial end), Feb 1 and Mar 1 close in the one run, which ends at ending_at.
  expect(runs).toHaveLength(1);
  expect(runs[0]!.events?.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
  // Recorded as trial-fixed-term-one-run. This scenario recorded the trial-fixed-term-before-notices-run-N files on
  // the code before the notices, and the trial-fixed-term-run-N files before one run across boundaries (a run per
  // close): their patches must keep them replaying.
  recorded.push({ name: 'trial-fixed-term-local-close', workflowId: 'tess', history: runs[0]! });
  await assertBillingInvariants(database.db);
});

it('the histories recorded above replay on the current workflow code', async () => {
  // Named for the change they were recorded after: closes as local activities (issue 12). Those recorded before
  // (one run across boundaries, then one run per close) stay in test/workflows/histories under their names.
  expect(recorded.map(({ name }) => name).sort()).toEqual(['seats-upgrade-terminate-local-close', 'three-years-local-close', 'trial-fixed-term-local-close']);
  const bundle = { codePath: process.env.BILLOW_TEST_WORKFLOW_BUNDLE! };
  for (const { workflowId, history } of recorded) {
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId);
  }
  if (process.env.BILLOW_RECORD_HISTORIES === '1') {
    fs.mkdirSync(HISTORIES, { recursive: true });
    for (const { name, history } of recorded) {
      fs.writeFileSync(path.join(HISTORIES, `${name}.json`), JSON.stringify(historyObject(history), null, 1));
    }
  }
});

/**
 * The clock is shared by every test in the file: a workflow left running without a worker would
 * hold it still at its next timer. Tests end their workflows (after recording what they need).
 */
async function stopWorkflows(organizationId: string, externalIds: string[]): Promise<void> {
  for (const externalId of externalIds) {
    await env.client.workflow.getHandle(subscriptionWorkflowId(organizationId, externalId)).terminate('test finished').catch(() => undefined);
  }
}

function historyObject(history: temporal.api.history.v1.IHistory): unknown {
  const History = temporal.api.history.v1.History;
  return History.toObject(History.fromObject(history), { longs: String, bytes: String, defaults: false });
}

function startWorkerProcess(taskQueue: string): ChildProcess {
  // One process (tsx as a loader, not its CLI, which would run the worker in a grandchild the kill misses).
  return spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: taskQueue,
      BILLOW_TEST_HANG_AFTER_CLOSE: '1',
    },
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

function trace(message: string): void {
  if (process.env.BILLOW_TRACE) process.stderr.write(`[trace ${new Date().toISOString()}] ${message}\n`);
}
