/**
 * Two production worker processes (src/cli.ts worker) on one task queue share a month-end close:
 * 24 subscriptions of 24 customers close at the same instant, Temporal hands the closes to both
 * workers, and every customer has exactly one invoice for the month, of the amount worked out by
 * hand. The billing invariants (no stretch billed twice) hold afterwards. Which workers ran the
 * subscriptions' tasks is read from the workflows' histories.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv, moveClockTo } from '../support/temporal';
import { createTestApi } from '../support/api';
import { createPlan, subscribe } from '../support/scenario';
import { assertBillingInvariants } from '../support/invariants';
import { subscriptionWorkflowId } from '../../src/workflows/ids';
import { waiter } from '../support/processes';
import { eventsOfEveryRun, periodCloses } from '../support/histories';

const ROOT = path.resolve(__dirname, '../..');
const TASK_QUEUE = 'two-workers';
const SUBSCRIPTIONS = 24;

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let dataDir: string;
const workers: ChildProcess[] = [];
let output = '';
const waitFor = waiter(() => output);

function startWorker(environment: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'worker'], { cwd: ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  workers.push(child);
  return child;
}

afterAll(async () => {
  for (const child of workers) if (child.exitCode === null) child.kill('SIGKILL');
  await env?.teardown();
  await database?.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

it('two worker processes on one task queue share a close: one invoice per subscription, none twice', async () => {
  database = await createTestDatabase();
  env = await createTimeSkippingEnv();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-two-workers-'));
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url, TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    BILLOW_DATA_DIR: dataDir, LOG_LEVEL: 'info', BILLOW_SANDBOX: '0',
    // The smallest workflow cache (config.ts), which also caps a worker at 2 workflow tasks at once. A
    // cached workflow's tasks stick to the worker that ran it last; with 2 cached of 24, most are
    // evicted before their close, whose task goes to a waiting poller (and replays its history: the
    // cache-miss path, tested too), and a worker busy with 2 closes polls for none, so the other takes
    // some. The test server hands a task to the poller that asked last: with a cache of 4 one worker
    // took every task in 2 runs of 7 (13 of 13 runs shared them with 2).
    BILLOW_WORKER_MAX_CACHED_WORKFLOWS: '2',
  };
  startWorker(environment);
  startWorker(environment);
  await waitFor('both workers', async () => ((output.match(/"msg":"worker started"/g) ?? []).length === 2 ? true : undefined), 240_000);

  const api = await createTestApi(database.db, env, TASK_QUEUE, 'Two Workers Org');
  await moveClockTo(env, '2035-01-01T06:00:00Z');
  await createPlan(api, { name: 'Team', code: 'team', interval: 'monthly', amount_cents: 1_000, amount_currency: 'USD', pay_in_advance: false });
  for (let i = 0; i < SUBSCRIPTIONS; i++) {
    await api.post('/customers', { customer: { external_id: `c${i}`, currency: 'USD', timezone: 'UTC' } }).expect(200);
    await subscribe(api, { external_customer_id: `c${i}`, plan_code: 'team', external_id: `s${i}`, billing_time: 'calendar' });
  }

  // Every subscription closes January at 2035-02-01T00:00Z, all at once.
  await moveClockTo(env, '2035-02-01T00:00:30Z');
  const invoices = await waitFor('an invoice per subscription', async () => {
    const rows = await database.db('invoices').where({ organization_id: api.organization.id, status: 'finalized' });
    return rows.length >= SUBSCRIPTIONS ? rows : undefined;
  }, 180_000);

  // Started on January 1st in arrears: January's whole fee, 31/31 × 10.00 = 10.00 each, no tax.
  const customers = await database.db('customers').where({ organization_id: api.organization.id });
  const externalIdOf = new Map(customers.map((customer: { id: string; external_id: string }) => [customer.id, customer.external_id]));
  const perCustomer = invoices.map((invoice: { customer_id: string; total_amount_cents: string | number }) => [externalIdOf.get(invoice.customer_id), Number(invoice.total_amount_cents)]);
  expect(perCustomer.sort()).toEqual(Array.from({ length: SUBSCRIPTIONS }, (_, i) => [`c${i}`, 1_000]).sort());
  await assertBillingInvariants(database.db);

  // Both workers took part: the worker (pid@host) of every workflow and activity task of every
  // subscription's histories. A close writes its invoice inside its workflow task, which records it
  // once the close answers: read the histories until every close is in them.
  const { identities, closes } = await waitFor('every close in its history', async () => {
    const read = await readHistories(api.organization.id);
    return read.closes >= SUBSCRIPTIONS ? read : undefined;
  }, 60_000);
  expect(closes).toBe(SUBSCRIPTIONS);
  const pids = workers.map((child) => String(child.pid));
  expect([...identities].map((identity) => identity.split('@')[0]).sort()).toEqual(pids.sort());
});

/** The workers (pid@host) of every workflow and activity task in the subscriptions' histories, and the period closes recorded there. */
async function readHistories(organizationId: string): Promise<{ identities: Set<string>; closes: number }> {
  const identities = new Set<string>();
  let closes = 0;
  for (let i = 0; i < SUBSCRIPTIONS; i++) {
    const events = await eventsOfEveryRun(env.client, subscriptionWorkflowId(organizationId, `s${i}`));
    for (const event of events) {
      const identity = (event.workflowTaskCompletedEventAttributes ?? event.workflowTaskStartedEventAttributes ?? event.activityTaskStartedEventAttributes)?.identity;
      if (identity) identities.add(identity);
    }
    closes += periodCloses(events).length;
  }
  return { identities, closes };
}
