/**
 * `npm run bench:worker-memory`: what a worker process's memory is bounded by. For each workflow
 * cache size (`BILLOW_WORKER_MAX_CACHED_WORKFLOWS`), a worker as `npm start` runs it, on a dev server
 * of its own, with more and more subscriptions asleep (none due during the run); then sweeps that
 * wake every one of them (a query each: every workflow no longer in the cache replays its history,
 * as at a close, where each wakes in turn). Prints the worker's RSS once settled after each step,
 * its peak and CPU during each step and sweep, and a table of the RSS by cache size and N. The
 * workflow threads' heap is the worker's own (BILLOW_WORKER_WORKFLOW_HEAP_MB, or its default for
 * each cache size).
 *
 * Knobs (environment):
 *   BENCH_MEMORY_STEPS    subscriptions asleep after each step, a rising comma list (default "1000,4000,10000")
 *   BENCH_MEMORY_CACHES   workflow cache sizes, a comma list, each in a worker of its own (default "250,1000")
 *   BENCH_MEMORY_SETTLE_S seconds waited after each step and sweep before the settled RSS is read (default 60)
 *   BENCH_MEMORY_SWEEPS   sweeps waking every subscription after the last step (default 2)
 *   BENCH_MEMORY_NODE_ARGS node flags for the worker, e.g. "--max-old-space-size=768"
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createDb, migrate, type Db } from '../src/db/knex';
import { ensureDatabase } from '../src/db/databases';
import { createOrganization } from '../src/db/organizations';
import { startDevServer } from '../src/bootstrap/temporal-server';
import { logger } from '../src/runtime/logger';
import { workflowHeapBudgetMb } from '../src/bootstrap/workflow-heap';
import { addDays, localDateOf, startOfLocalDay } from '../src/billing/calendar';
import { temporalSubscriptionWorkflows, type SubscriptionWorkflows } from '../src/workflows/client';
import { runBench, withScratchPostgres } from './support/scratch';
import { freePort } from '../test/support/processes';
import { forkChild, inBatches, rssSampler, stopChild, usage } from './support/processes';
import { createSleepingSubscriptions, insertWeeklyPlan } from './support/sleeping-subscriptions';

const numbers = (value: string) => value.split(',').map(Number);
const STEPS = numbers(process.env.BENCH_MEMORY_STEPS ?? '1000,4000,10000');
const CACHES = numbers(process.env.BENCH_MEMORY_CACHES ?? '250,1000');
const SETTLE_S = Number(process.env.BENCH_MEMORY_SETTLE_S ?? 60);
const SWEEPS = Number(process.env.BENCH_MEMORY_SWEEPS ?? 2);
const NODE_ARGS = (process.env.BENCH_MEMORY_NODE_ARGS ?? '').split(' ').filter(Boolean);
const CACHE = process.env.BILLOW_CACHE ?? path.join(os.homedir(), '.cache', 'billow');
const TASK_QUEUE = 'billow-subscriptions';
const TIMEZONE = 'UTC';
if (STEPS.some((n, i) => !(n > (STEPS[i - 1] ?? 0)))) throw new Error(`BENCH_MEMORY_STEPS must rise, not ${STEPS.join(',')}`);

const log = logger.child({ component: 'bench:worker-memory' });
const say = (line: string) => process.stdout.write(`${line}\n`);
const mb = (value: number) => `${value.toFixed(0)} MB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Reading {
  label: string;
  peakMb: number;
  settledMb: number;
}

/** Runs `work`, then waits SETTLE_S: the worker's peak RSS over both, and its RSS at the end. */
async function measured(pid: number, label: string, work: () => Promise<void>): Promise<Reading> {
  const sampler = rssSampler({ worker: pid });
  const started = Date.now();
  const cpuBefore = usage(pid).cpuSeconds;
  await work();
  const workSeconds = (Date.now() - started) / 1000;
  const cpuSeconds = usage(pid).cpuSeconds - cpuBefore;
  await sleep(SETTLE_S * 1000);
  const reading = { label, peakMb: sampler.stop().worker!, settledMb: usage(pid).rssMb };
  say(`  ${label}: ${workSeconds.toFixed(0)} s, worker CPU ${cpuSeconds.toFixed(1)} s; worker RSS peak ${mb(reading.peakMb)}, ${SETTLE_S} s later ${mb(reading.settledMb)}`);
  return reading;
}

/** Queries every subscription's workflow, 50 at once: one not in the worker's cache replays first. */
async function sweep(workflows: SubscriptionWorkflows, organizationId: string, n: number): Promise<void> {
  await inBatches([...Array(n).keys()], 50, (i) => workflows.view(organizationId, `sub-${i}`));
}

async function withCache(postgresUrl: string, cacheSize: number, work: string): Promise<Reading[]> {
  const heapMb = process.env.BILLOW_WORKER_WORKFLOW_HEAP_MB || String(workflowHeapBudgetMb(cacheSize));
  say(`\n== workflow cache ${cacheSize}, workflow threads' heap ${heapMb} MB${NODE_ARGS.length ? `, worker flags ${NODE_ARGS.join(' ')}` : ''}`);
  const dataDir = fs.mkdtempSync(path.join(work, `cache-${cacheSize}-`));
  const temporal = await startDevServer({ cacheDir: CACHE, dataDir, port: await freePort(), uiPort: await freePort(), namespace: 'default', log });
  const connection = await Connection.connect({ address: temporal.address });
  const databaseUrl = await ensureDatabase(postgresUrl, `bench_memory_${cacheSize}_${Date.now()}`);
  const db: Db = createDb(databaseUrl, { max: 10 });
  const worker = forkChild(path.join(__dirname, '../src/cli.ts'), ['worker'], {
    ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, BILLOW_DATA_DIR: dataDir,
    BILLOW_PUBLIC_URL: 'http://127.0.0.1:3000', BILLOW_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn',
    BILLOW_WORKER_MAX_CACHED_WORKFLOWS: String(cacheSize),
  }, NODE_ARGS);
  try {
    await migrate(db);
    await once(worker, 'message');
    const readings: Reading[] = [{ label: 'started, none asleep', peakMb: usage(worker.pid!).rssMb, settledMb: usage(worker.pid!).rssMb }];
    say(`  started: worker RSS ${mb(readings[0]!.settledMb)}`);
    const { organization } = await createOrganization(db, { name: 'Bench Memory Org' });
    const plan = await insertWeeklyPlan(db, organization.id);
    // Weekly periods from 5 days ago: every subscription sleeps for 2 more days.
    const startedAt = new Date(startOfLocalDay(addDays(localDateOf(Date.now(), TIMEZONE), -5), TIMEZONE));
    const workflows = temporalSubscriptionWorkflows(new Client({ connection }), { taskQueue: TASK_QUEUE, searchAttributes: true, reachTimeoutMs: 120_000 });
    let asleep = 0;
    for (const total of STEPS) {
      readings.push(await measured(worker.pid!, `N = ${total} asleep`, () =>
        createSleepingSubscriptions(db, workflows, { organizationId: organization.id, planId: plan.id, from: asleep, count: total - asleep, startedAt, timezone: TIMEZONE })));
      asleep = total;
    }
    for (let round = 1; round <= SWEEPS; round++) {
      readings.push(await measured(worker.pid!, `sweep ${round} waking all ${asleep}`, () => sweep(workflows, organization.id, asleep)));
    }
    return readings;
  } finally {
    await stopChild(worker);
    await db.destroy();
    await connection.close();
    await temporal.stop();
  }
}

async function main(): Promise<void> {
  await withScratchPostgres('memory', log, async ({ work, postgres }) => {
    const results = new Map<number, Reading[]>();
    for (const cacheSize of CACHES) results.set(cacheSize, await withCache(postgres.url, cacheSize, work));
    say('\n== worker RSS, settled (peak), by workflow cache');
    const labels = results.get(CACHES[0]!)!.map((reading) => reading.label);
    say(`| | ${CACHES.map((cacheSize) => `cache ${cacheSize}`).join(' | ')} |`);
    say(`|---|${CACHES.map(() => '---').join('|')}|`);
    for (const [i, label] of labels.entries()) {
      say(`| ${label} | ${CACHES.map((cacheSize) => { const r = results.get(cacheSize)![i]!; return `${mb(r.settledMb)} (${mb(r.peakMb)})`; }).join(' | ')} |`);
    }
  });
}

runBench(main);
