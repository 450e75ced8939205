/**
 * `npm run bench:thresholds`: progressive billing's latency (issue 15) — the time from the event
 * that crosses a usage threshold to the progressive invoice being recorded. On the stack the other
 * benches use: an embedded PostgreSQL, the Temporal dev server as `npm start` runs it, Billow's
 * worker in its own process, and the API (in this process) signalling the subscriptions' workflows.
 *
 * N subscriptions (default 50) on a plan with a standard charge of 1.00 per event and a threshold
 * of 100.00. For each: 99 events (99.00, nothing crossed), then, once its workflow is idle, the
 * crossing event, timed from just before its POST to its progressive invoice being seen committed.
 * Two passes: one crossing at a time (`sequential`), then N other subscriptions crossing at once
 * (`burst`). Prints p50, p95 and max of each (target: p95 < 2 s).
 *
 * Knobs: BENCH_THRESHOLDS_N (default 50).
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../src/api/app';
import { createDb, migrate, type Db } from '../src/db/knex';
import { ensureDatabase } from '../src/db/databases';
import { createOrganization } from '../src/db/organizations';
import { startDevServer } from '../src/bootstrap/temporal-server';
import { systemClock } from '../src/runtime/clock';
import { logger } from '../src/runtime/logger';
import { temporalSubscriptionWorkflows } from '../src/workflows/client';
import { percentile } from './support/stack';
import { runBench, withScratchPostgres } from './support/scratch';
import { freePort } from '../test/support/processes';
import { forkChild, stopChild } from './support/processes';

const N = Number(process.env.BENCH_THRESHOLDS_N ?? 50);
const CACHE = process.env.BILLOW_CACHE ?? path.join(os.homedir(), '.cache', 'billow');
const TASK_QUEUE = 'billow-subscriptions';
const log = logger.child({ component: 'bench:thresholds' });
const say = (line: string) => process.stdout.write(`${line}\n`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Api {
  call(method: string, url: string, body?: unknown): Promise<Record<string, unknown>>;
}

function apiAt(baseUrl: string, apiKey: string): Api {
  return {
    async call(method, url, body) {
      const response = await fetch(`${baseUrl}/api/v1${url}`, {
        method, headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (response.status !== 200) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    },
  };
}

async function events(api: Api, externalId: string, count: number, tag: string): Promise<void> {
  await api.call('POST', '/events/batch', { events: Array.from({ length: count }, (_, i) => ({ transaction_id: `${externalId}-${tag}-${i}`, code: 'calls', external_subscription_id: externalId })) });
}

/** Waits until the subscription's workflow has no task or activity in flight (its 99 events handled). */
async function idle(client: Client, workflowId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { raw } = await client.workflow.getHandle(workflowId).describe();
    if ((raw.pendingActivities?.length ?? 0) === 0 && !raw.pendingWorkflowTask) return;
    await sleep(50);
  }
  throw new Error(`${workflowId} stayed busy`);
}

/** When the subscription's progressive invoice is recorded: first seen committed (polled every 10 ms). */
async function invoicedAt(db: Db, subscriptionId: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const row = await db('invoices').where({ subscription_id: subscriptionId, invoice_type: 'progressive_billing' }).first('id');
    if (row) return Date.now();
    await sleep(10);
  }
  throw new Error(`no progressive invoice for ${subscriptionId} after ${timeoutMs} ms`);
}

function report(label: string, lags: number[]): void {
  const f = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  say(`  ${label}: ${lags.length} crossings, p50 ${f(percentile(lags, 50))}, p95 ${f(percentile(lags, 95))}, max ${f(Math.max(...lags))}`);
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  await withScratchPostgres('thresholds', log, async ({ work, postgres }) => {
    const temporal = await startDevServer({ cacheDir: CACHE, dataDir: path.join(work, 'temporal'), port: await freePort(), uiPort: await freePort(), namespace: 'default', log });
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    const databaseUrl = await ensureDatabase(postgres.url, 'bench_thresholds');
    const db = createDb(databaseUrl, { max: 10 });
    let worker: ChildProcess | undefined;
    let server: ReturnType<ReturnType<typeof buildApp>['listen']> | undefined;
    try {
      await migrate(db);
      worker = forkChild(path.join(__dirname, '../src/cli.ts'), ['worker'], {
        ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, BILLOW_DATA_DIR: path.join(work, 'data'),
        BILLOW_PUBLIC_URL: 'http://127.0.0.1:3000', BILLOW_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn',
      });
      await once(worker, 'message');
      const { organization, apiKey } = await createOrganization(db, { name: 'Bench Thresholds Org' });
      const workflows = temporalSubscriptionWorkflows(client, { taskQueue: TASK_QUEUE, searchAttributes: true, reachTimeoutMs: 120_000 });
      const app = buildApp({ db, workflows, clock: systemClock, publicUrl: 'http://127.0.0.1' });
      server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const api = apiAt(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey);

      const metric = await api.call('POST', '/billable_metrics', { billable_metric: { name: 'Calls', code: 'calls', aggregation_type: 'count_agg' } });
      await api.call('POST', '/plans', { plan: {
        name: 'Progressive', code: 'progressive', interval: 'monthly', amount_cents: 1000, amount_currency: 'USD', pay_in_advance: false,
        charges: [{ billable_metric_id: (metric.billable_metric as { lago_id: string }).lago_id, charge_model: 'standard', properties: { amount: '1' } }],
        usage_thresholds: [{ amount_cents: 10000, threshold_display_name: '100.00' }],
      } });

      /** N subscriptions, each with 99 events handled by its workflow. */
      const prepare = async (pass: string): Promise<{ externalId: string; id: string; workflowId: string }[]> => {
        const subscriptions = [];
        for (let i = 0; i < N; i++) {
          const externalId = `${pass}-${i}`;
          const created = await api.call('POST', '/subscriptions', { subscription: { external_customer_id: `${pass}-customer-${i}`, plan_code: 'progressive', external_id: externalId } });
          const id = (created.subscription as { lago_id: string }).lago_id;
          const row = await db('subscriptions').where({ id }).first('workflow_id');
          subscriptions.push({ externalId, id, workflowId: row.workflow_id as string });
        }
        for (const subscription of subscriptions) await events(api, subscription.externalId, 99, 'warm');
        for (const subscription of subscriptions) await idle(client, subscription.workflowId);
        return subscriptions;
      };

      say(`\n== bench:thresholds — ${N} crossings of a 100.00 threshold (1.00 per event), dev server, 1 worker process`);
      const sequential = await prepare('seq');
      const lags: number[] = [];
      for (const subscription of sequential) {
        const sentAt = Date.now();
        await events(api, subscription.externalId, 1, 'cross');
        lags.push((await invoicedAt(db, subscription.id)) - sentAt);
      }
      report('sequential (one crossing at a time)', lags);

      const burst = await prepare('burst');
      const sentAt = Date.now();
      await Promise.all(burst.map((subscription) => events(api, subscription.externalId, 1, 'cross')));
      const burstLags = await Promise.all(burst.map(async (subscription) => (await invoicedAt(db, subscription.id)) - sentAt));
      report(`burst (${N} crossing at once)`, burstLags);
      const invoices = await db('invoices').where({ organization_id: organization.id, invoice_type: 'progressive_billing' }).select('fees_amount_cents');
      say(`  progressive invoices: ${invoices.length} (expected ${2 * N}), each ${[...new Set(invoices.map((row) => String(row.fees_amount_cents)))].join(', ')} cents (expected 10000)`);
    } finally {
      server?.close();
      if (worker) await stopChild(worker);
      await db.destroy();
      await connection.close();
      await temporal.stop();
    }
  });
}

runBench(main);
