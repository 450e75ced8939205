/**
 * Two production worker processes (src/cli.ts worker) on one task queue share a month-end close:
 * 24 subscriptions of 24 customers close at the same instant, Temporal hands the closes to both
 * workers, and every customer has exactly one invoice for the month, of the amount worked out by
 * hand. The billing invariants (no stretch billed twice) hold afterwards.
 *
 * That both workers close at once is made sure of, not left to the scheduler: the test holds a lock
 * on the invoices table while the boundary passes, so each close waits at its invoice insert, inside
 * its workflow task. A worker runs at most 2 workflow tasks at once (its cache of 2), so the other
 * worker must take closes too; Postgres shows both waiting (each worker connects under its own
 * application name) before the lock is let go. Which workers ran the tasks is also read from the
 * workflows' histories.
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
import { stopChild } from '../../src/bootstrap/temporal-server';
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

const WORKER_NAMES = ['billow-worker-1', 'billow-worker-2'];

/** A worker whose Postgres connections are named `name` (node-postgres reads PGAPPNAME). */
function startWorker(environment: NodeJS.ProcessEnv, name: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'worker'], { cwd: ROOT, env: { ...environment, PGAPPNAME: name }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  workers.push(child);
  return child;
}

afterAll(async () => {
  await Promise.all(workers.map((child) => stopChild(child)));
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
    // The smallest workflow cache, which also caps a worker at 2 workflow tasks at once (the SDK
    // keeps maxConcurrentWorkflowTaskExecutions within it). With 2 cached of 24, most workflows are
    // evicted before their close, whose task then replays the history: the cache-miss path, tested too.
    BILLOW_WORKER_MAX_CACHED_WORKFLOWS: '2',
  };
  for (const name of WORKER_NAMES) startWorker(environment, name);
  await waitFor('both workers', async () => ((output.match(/"msg":"worker started"/g) ?? []).length === 2 ? true : undefined), 240_000);

  const api = await createTestApi(database.db, env, TASK_QUEUE, 'Two Workers Org');
  await moveClockTo(env, '2035-01-01T06:00:00Z');
  await createPlan(api, { name: 'Team', code: 'team', interval: 'monthly', amount_cents: 1_000, amount_currency: 'USD', pay_in_advance: false });
  for (let i = 0; i < SUBSCRIPTIONS; i++) {
    await api.post('/customers', { customer: { external_id: `c${i}`, currency: 'USD', timezone: 'UTC' } }).expect(200);
    await subscribe(api, { external_customer_id: `c${i}`, plan_code: 'team', external_id: `s${i}`, billing_time: 'calendar' });
  }

  // Every subscription closes January at 2035-02-01T00:00Z, all at once, and waits at its invoice
  // insert until both workers are closing. (The test server hands a task to the poller that asked
  // last, so without the lock one worker took every task in 2 runs of 7 with a cache of 4, and in one
  // CI run of many with 2.)
  const hold = await database.db.transaction();
  try {
    await hold.raw('lock table invoices in exclusive mode');
    await moveClockTo(env, '2035-02-01T00:00:30Z');
    const waiting = await waitFor('both workers closing at once', async () => {
      const { rows } = await database.db.raw("select distinct application_name from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
      const names = rows.map((row: { application_name: string }) => row.application_name).sort();
      return WORKER_NAMES.every((name) => names.includes(name)) ? names : undefined;
    }, 60_000);
    expect(waiting).toEqual(WORKER_NAMES);
  } finally {
    await hold.commit();
  }
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
