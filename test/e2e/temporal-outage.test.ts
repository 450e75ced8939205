/**
 * No subscription without its workflow (issue 12), on the Temporal dev server as `npm start` runs
 * it (SQLite file, real time), with Billow's own worker process (`cli.ts worker`: relay and
 * reconciler) and the API wired as `cli.ts api` wires it (lazy connection, readiness probe):
 * - Temporal is killed (SIGKILL); subscriptions created meanwhile each answer 200 (and are billed
 *   once Temporal is back) or 503 (and do not exist), within 2 s; a termination and a plan change
 *   answer 503 within 2 s and change nothing; `/ready` says Temporal is missing;
 * - Temporal is restarted on the same file; the relay starts the workflows left waiting, and the
 *   reconciler starts again a workflow lost behind Billow's back (terminated in Temporal);
 * - every stored subscription is billed at its end (`ending_at`, a timer) exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../../src/api/app';
import { startDevServer, stopChild, temporalCliPath, type RunningTemporal } from '../../src/bootstrap/temporal-server';
import { readinessProbe } from '../../src/bootstrap/readiness';
import { systemClock } from '../../src/runtime/clock';
import { logger } from '../../src/runtime/logger';
import { temporalProbe, temporalSubscriptionWorkflows } from '../../src/workflows/client';
import { subscriptionWorkflowId } from '../../src/workflows/ids';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { freePort, waitFor } from '../support/processes';

const ROOT = path.resolve(__dirname, '../..');
const CACHE = process.env.BILLOW_CACHE ?? path.join(os.homedir(), '.cache', 'billow');
const TASK_QUEUE = 'outage-test';
const cli = temporalCliPath(CACHE);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A timezone where it is between 02:00 and 21:59 now, so the subscriptions start and end on one local day. */
function middayTimezone(nowMs: number): string {
  for (const timezone of ['UTC', 'Asia/Tokyo', 'America/New_York', 'Pacific/Kiritimati', 'Pacific/Honolulu', 'Asia/Kolkata']) {
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', hourCycle: 'h23' }).format(nowMs));
    if (hour >= 2 && hour <= 21) return timezone;
  }
  throw new Error('no timezone at midday');
}

/** Days in the month of `nowMs` in `timezone`. */
function daysInLocalMonth(nowMs: number, timezone: string): number {
  const [year, month] = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit' }).format(nowMs).split('-').map(Number);
  return new Date(Date.UTC(year!, month!, 0)).getUTCDate();
}

let database: TestDatabase;
let temporal: RunningTemporal | undefined;
let worker: ChildProcess | undefined;
let workerOutput = '';
let connection: Connection | undefined;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-outage-'));

afterAll(async () => {
  if (worker) await stopChild(worker);
  await temporal?.stop();
  await connection?.close();
  await database?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

(cli ? it : it.skip)('subscriptions made while Temporal is down are 200 and billed once it is back, or 503 and absent; nothing asked of a workflow is half-done', async () => {
  database = await createTestDatabase();
  const { db } = database;
  const [port, uiPort, healthPort] = [await freePort(), await freePort(), await freePort()];
  const workerHealth = async (route: string) => {
    const response = await fetch(`http://127.0.0.1:${healthPort}${route}`);
    return { status: response.status, body: (await response.json()) as { status: string; checks?: Record<string, string> } };
  };
  const serverOptions = { cacheDir: CACHE, dataDir, port, uiPort, namespace: 'default', log: logger };
  temporal = await startDevServer(serverOptions);

  worker = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker'], {
    cwd: ROOT,
    env: {
      ...process.env, DATABASE_URL: database.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      BILLOW_DATA_DIR: dataDir, BILLOW_RECONCILE_INTERVAL_SECONDS: '3', BILLOW_WORKER_HEALTH_PORT: String(healthPort), LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (chunk) => (workerOutput += chunk));
  worker.stderr!.on('data', (chunk) => (workerOutput += chunk));
  await waitFor('the worker', async () => (workerOutput.includes('"worker started"') ? true : undefined), 180_000, () => workerOutput);

  // The API as `cli.ts api` wires it.
  connection = Connection.lazy({ address: temporal.address });
  const client = new Client({ connection });
  const { organization, apiKey } = await createTestOrganization(db);
  const app = buildApp({
    db,
    workflows: temporalSubscriptionWorkflows(client, { taskQueue: TASK_QUEUE, searchAttributes: true }),
    clock: systemClock,
    publicUrl: 'http://billow.test',
    readiness: readinessProbe({ db, temporal: temporalProbe(client, { namespace: 'default', taskQueue: TASK_QUEUE }) }),
  });
  const auth = { Authorization: `Bearer ${apiKey}` };
  const post = (route: string, body: object) => request(app).post(`/api/v1${route}`).set(auth).send(body);
  const get = (route: string) => request(app).get(`/api/v1${route}`).set(auth);
  const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const started = performance.now();
    const value = await work();
    return { value, ms: performance.now() - started };
  };

  const nowMs = Date.now();
  const timezone = middayTimezone(nowMs);
  const endingAt = new Date(nowMs + 150_000).toISOString();
  // 755160 = 2³·3·5·7·29·31 is divisible by 28, 29, 30 and 31: one day's fee is exact in any month.
  expect((await post('/plans', { plan: { name: 'Monthly', code: 'monthly', interval: 'monthly', amount_cents: 755160, amount_currency: 'USD', pay_in_advance: false } })).status).toBe(200);
  expect((await post('/plans', { plan: { name: 'Bigger', code: 'bigger', interval: 'monthly', amount_cents: 999900, amount_currency: 'USD', pay_in_advance: false } })).status).toBe(200);
  const subscribe = (externalId: string) =>
    post('/subscriptions', { subscription: { external_customer_id: `cus_${externalId}`, plan_code: 'monthly', external_id: externalId, billing_time: 'calendar', ending_at: endingAt } });
  for (const externalId of ['before-1', 'before-2', 'before-3']) {
    expect((await post('/customers', { customer: { external_id: `cus_${externalId}`, currency: 'USD', timezone } })).status).toBe(200);
    expect((await subscribe(externalId)).status).toBe(200);
  }
  expect((await request(app).get('/ready')).status).toBe(200);
  // The worker's own endpoint (what deploy/kubernetes probes): alive, and ready once Temporal lists it among the pollers.
  expect(await workerHealth('/health')).toEqual({ status: 200, body: { status: 'alive' } });
  await waitFor('the worker to be ready', async () => ((await workerHealth('/ready')).status === 200 ? true : undefined), 60_000, () => workerOutput);

  // Temporal dies.
  process.kill(temporal.pid!, 'SIGKILL');
  await waitFor('Temporal to be gone', async () => ((await temporalProbe(client, { namespace: 'default', taskQueue: TASK_QUEUE }).reachable().then(() => false, () => true)) ? true : undefined), 30_000);

  const ready = await request(app).get('/ready');
  expect(ready.status).toBe(503);
  expect(ready.body).toMatchObject({ status: 503, code: 'not_ready' });
  expect(ready.body.checks.temporal).not.toBe('ok');
  expect(ready.body.checks.postgres).toBe('ok');
  const workerReady = await waitFor('the worker to say it is not ready', async () => {
    const answer = await workerHealth('/ready');
    return answer.status === 503 ? answer : undefined;
  }, 10_000);
  expect(workerReady.body.status).toBe('not_ready');
  expect(workerReady.body.checks!.temporal).not.toBe('ok');
  expect((await workerHealth('/health')).status).toBe(200); // alive all the same: a liveness probe must not kill it

  const during: { externalId: string; status: number; ms: number }[] = [];
  for (let i = 1; i <= 5; i += 1) {
    const externalId = `during-${i}`;
    expect((await post('/customers', { customer: { external_id: `cus_${externalId}`, currency: 'USD', timezone } })).status).toBe(200);
    const { value, ms } = await timed(() => subscribe(externalId));
    during.push({ externalId, status: value.status, ms });
    expect([200, 503]).toContain(value.status);
    if (value.status === 503) expect(value.body).toMatchObject({ status: 503, error: 'Service Unavailable', code: 'temporal_unavailable' });
  }
  const termination = await timed(() => request(app).delete('/api/v1/subscriptions/before-1').set(auth));
  expect(termination.value.status).toBe(503);
  expect(termination.value.body).toMatchObject({ status: 503, error: 'Service Unavailable', code: 'temporal_unavailable' });
  const planChange = await timed(() => post('/subscriptions', { subscription: { external_customer_id: 'cus_before-2', plan_code: 'bigger', external_id: 'before-2', billing_time: 'calendar' } }));
  expect(planChange.value.status).toBe(503);
  expect(planChange.value.body.code).toBe('temporal_unavailable');
  for (const ms of [...during.map((d) => d.ms), termination.ms, planChange.ms]) expect(ms).toBeLessThan(2_000);
  // Nothing half-done: before-1 still active, before-2 still on its plan with no pending change.
  expect((await get('/subscriptions/before-1')).body.subscription.status).toBe('active');
  expect((await get('/subscriptions/before-2')).body.subscription).toMatchObject({ plan_code: 'monthly', next_plan_code: null });
  expect((await get('/subscriptions/before-2?status=pending')).status).toBe(404);
  process.stdout.write(`temporal-outage: answers with Temporal down (ms): ${JSON.stringify({ creations: during.map((d) => `${d.status} ${Math.round(d.ms)}`), termination: Math.round(termination.ms), planChange: Math.round(planChange.ms) })}\n`);

  // Temporal comes back on the same SQLite file.
  temporal = await startDevServer(serverOptions);
  const lost = subscriptionWorkflowId(organization.id, 'before-3');
  // A workflow lost behind Billow's back: the reconciler starts it again.
  await waitFor('the workflow of before-3', async () => ((await client.workflow.getHandle(lost).describe()).status.name === 'RUNNING' ? true : undefined), 60_000);
  await client.workflow.getHandle(lost).terminate('test: a workflow lost behind Billow\'s back');
  await waitFor('the reconciler to start before-3 again', async () => {
    const repaired = workerOutput.split('\n').some((line) => line.includes('subscription workflow was missing') && line.includes('"externalId":"before-3"'));
    return repaired && (await client.workflow.getHandle(lost).describe()).status.name === 'RUNNING' ? true : undefined;
  }, 60_000, () => workerOutput);
  const created = during.filter((d) => d.status === 200).map((d) => d.externalId);
  for (const externalId of created) {
    await waitFor(`the workflow of ${externalId}`, async () =>
      ((await client.workflow.getHandle(subscriptionWorkflowId(organization.id, externalId)).describe()).status.name === 'RUNNING' ? true : undefined), 60_000, () => workerOutput);
  }
  await waitFor('/ready', async () => ((await request(app).get('/ready')).status === 200 ? true : undefined), 90_000);
  await waitFor('the worker to be ready again', async () => ((await workerHealth('/ready')).status === 200 ? true : undefined), 90_000, () => workerOutput);

  // Every stored subscription ends at ending_at with exactly one invoice: one day of a monthly
  // 755160 plan in arrears, 755160 / D with D the days of this month (e.g. 755160 / 31 = 24360).
  const stored = ['before-1', 'before-2', 'before-3', ...created];
  const absent = during.filter((d) => d.status === 503).map((d) => d.externalId);
  const expected = 755160 / daysInLocalMonth(nowMs, timezone);
  const invoicesOf = async (externalId: string) => (await get(`/invoices?external_customer_id=cus_${externalId}`)).body.invoices as { total_amount_cents: number; invoice_type: string }[];
  await waitFor('every final invoice', async () => {
    for (const externalId of stored) if ((await invoicesOf(externalId)).length === 0) return undefined;
    return true;
  }, Date.parse(endingAt) - Date.now() + 120_000, () => workerOutput);
  await sleep(5_000); // a duplicate would come now, if ever
  for (const externalId of stored) {
    const invoices = await invoicesOf(externalId);
    expect({ externalId, invoices: invoices.map((invoice) => ({ type: invoice.invoice_type, total: invoice.total_amount_cents })) })
      .toEqual({ externalId, invoices: [{ type: 'subscription', total: expected }] });
    expect((await get(`/subscriptions/${externalId}?status=terminated`)).body.subscription.status).toBe('terminated');
  }
  for (const externalId of absent) {
    expect((await get(`/subscriptions/${externalId}`)).status).toBe(404);
    expect(await db('subscriptions').where({ external_id: externalId }).first()).toBeUndefined();
  }
  // No intent left behind.
  const pending = await db('workflow_starts').whereNull('dispatched_at').count<{ count: bigint }[]>({ count: '*' });
  expect(Number(pending[0]?.count)).toBe(0);
}, 600_000);
