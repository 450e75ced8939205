/**
 * `npm run bench:close`: the month-end close. N subscriptions whose periods end at one instant, on
 * the Temporal dev server as `npm start` runs it, closed by Billow's worker process; and, on the
 * same server in the same run, N trivial workflows that sleep to one instant and run one activity
 * inserting a row (the baseline: what this server allows). Prints, for each: closes per second,
 * the time from the instant to the last invoice, the last PDF and the last webhook delivered (a
 * customer's two subscriptions share one invoice of the day: N/2 invoices, PDFs and webhooks), the
 * peak RSS of the worker and of Temporal, their CPU while the N subscriptions sleep, the CPU of each
 * process from the instant on (for the baseline, up to its last workflow's end), and the Temporal
 * work (workflow starts, workflow tasks, activities, local activities, and work done twice: workflow tasks timed out,
 * activities retried) from the instant on, per baseline workflow and per subscription and invoice,
 * read from the histories; and the ceiling that CPU puts on closes per second on this machine's
 * cores, at the whole cost measured and at Temporal's and Chromium's part alone.
 *
 * Knobs (environment):
 *   BENCH_CLOSE_N        subscriptions per run, a comma list (default "1000")
 *   BENCH_CLOSE_WORKERS  Billow worker processes on the one task queue (default 1)
 *   BENCH_CLOSE_SQLITE_DEFAULTS  "1": also run everything on a dev server with SQLite's default
 *                        journal (npm start runs it with journal_mode=WAL, synchronous=NORMAL)
 *   BENCH_CLOSE_IDLE_S   the window of the idle CPU measured while the subscriptions sleep: windows
 *                        one after the other until the instant nears; the first and last are printed (default 20)
 *   BENCH_CLOSE_PDFS     "on_finalize" (default: every invoice's PDF rendered as it is issued) or
 *                        "on_demand" (BILLOW_PDF_GENERATION=on_demand: the close without PDFs)
 *   BENCH_CLOSE_NODE_ARGS node flags for Billow's worker processes, e.g.
 *                        "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them
 *
 * The instant is a local midnight (periods start at midnight in the customer's timezone): the
 * bench picks the timezone whose next midnight leaves enough time to create the subscriptions.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { createDb, migrate, type Db } from '../src/db/knex';
import { ensureDatabase } from '../src/db/databases';
import { createOrganization, setWebhooksAllowPrivateAddresses } from '../src/db/organizations';
import { startDevServer, type RunningTemporal } from '../src/bootstrap/temporal-server';
import { logger } from '../src/runtime/logger';
import { addDays, localDateOf, startOfLocalDay } from '../src/billing/calendar';
import { temporalSubscriptionWorkflows } from '../src/workflows/client';
import { percentile } from './support/stack';
import { runBench, withScratchPostgres } from './support/scratch';
import { freePort } from '../test/support/processes';
import { forkChild, inBatches, rssSampler, stopChild, treeCpuSeconds, usage } from './support/processes';
import { createSleepingSubscriptions, insertWeeklyPlan } from './support/sleeping-subscriptions';

const EventType = proto.api.enums.v1.EventType;
const TimeoutType = proto.api.enums.v1.TimeoutType;
const SIZES = (process.env.BENCH_CLOSE_N ?? '1000').split(',').map(Number);
const WORKERS = Number(process.env.BENCH_CLOSE_WORKERS ?? 1);
const IDLE_SECONDS = Number(process.env.BENCH_CLOSE_IDLE_S ?? 20);
const PDFS = process.env.BENCH_CLOSE_PDFS ?? 'on_finalize';
if (PDFS !== 'on_finalize' && PDFS !== 'on_demand') throw new Error(`BENCH_CLOSE_PDFS must be on_finalize or on_demand, not ${PDFS}`);
const WITH_PDFS = PDFS === 'on_finalize';
const CACHE = process.env.BILLOW_CACHE ?? path.join(os.homedir(), '.cache', 'billow');
const TASK_QUEUE = 'billow-subscriptions';

const log = logger.child({ component: 'bench:close' });
const say = (line: string) => process.stdout.write(`${line}\n`);

async function idleCpu(pids: Record<string, number>, seconds: number): Promise<Record<string, number>> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, usage(pid).cpuSeconds]));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, (100 * (usage(pid).cpuSeconds - before[name]!)) / seconds]));
}

/**
 * The idle CPU of the N sleeping subscriptions: windows of `seconds`, one after the other, from the
 * end of their creation until the instant nears (`untilMs`). The first window still holds the
 * creation's backlog (each workflow's first tasks); the last one, the longest after it, is the
 * settled cost. Answers both, and how long after the creation the last one ended.
 */
async function idleCpuUntil(pids: Record<string, number>, seconds: number, untilMs: number) {
  const started = Date.now();
  let first: Record<string, number> | null = null;
  let last: Record<string, number> | null = null;
  while (Date.now() + seconds * 1000 <= untilMs) {
    last = await idleCpu(pids, seconds);
    first ??= last;
  }
  return { first, last, afterSeconds: (Date.now() - started) / 1000 };
}

/** The next local midnight after `earliestMs`, over every timezone this Node knows; and that timezone. */
function nextMidnight(earliestMs: number): { atMs: number; timezone: string } {
  let best = { atMs: Infinity, timezone: 'UTC' };
  for (const timezone of Intl.supportedValuesOf('timeZone')) {
    const atMs = startOfLocalDay(addDays(localDateOf(earliestMs, timezone), 1), timezone);
    if (atMs > earliestMs && atMs < best.atMs) best = { atMs, timezone };
  }
  return best;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  log.warn({ what }, 'gave up waiting');
  return false;
}

interface Timeline {
  closesPerSecond: number;
  lastMs: number | null;
  p50Ms: number | null;
}

/** `doneAt`: when each of the `expected` items was done; the rate counts `closes` (subscriptions closed) per second. */
function timeline(atMs: number, doneAt: number[], expected: number, closes = expected): Timeline {
  const lags = doneAt.map((ms) => ms - atMs);
  const lastMs = lags.length === expected ? Math.max(...lags) : null;
  return { closesPerSecond: lastMs ? closes / (lastMs / 1000) : NaN, lastMs, p50Ms: lags.length ? percentile(lags, 50) : null };
}

/** The baseline: N workflows sleeping to one instant, each inserting one row. */
async function baseline(db: Db, databaseUrl: string, temporal: RunningTemporal, client: Client, n: number): Promise<Timeline & { atMs: number; cpuSeconds: Record<string, number> }> {
  await db.schema.createTable('bench_marks', (t) => {
    t.text('id').primary();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });
  const worker = forkChild(path.join(__dirname, 'support/trivial/worker.ts'), [], { ...process.env, TEMPORAL_ADDRESS: temporal.address, BENCH_DATABASE_URL: databaseUrl });
  try {
    await once(worker, 'message');
    const atMs = Date.now() + 30_000 + n * 8;
    await inBatches([...Array(n).keys()], 100, (i) =>
      client.workflow.start('sleepThenInsert', { taskQueue: 'bench-trivial', workflowId: `bench-trivial-${atMs}-${i}`, args: [atMs, `mark-${i}`] }));
    const startedBy = Date.now();
    if (startedBy > atMs) log.warn({ lateMs: startedBy - atMs }, 'the baseline workflows started after their instant');
    if (atMs - 2000 > Date.now()) await new Promise((resolve) => setTimeout(resolve, atMs - 2000 - Date.now()));
    const cpuRoots = { temporal: temporal.pid!, postgres: postgresPid, worker: worker.pid! };
    const cpuBefore = treeCpuSeconds(cpuRoots);
    await waitUntil('baseline marks', async () => Number((await db('bench_marks').count({ c: '*' }))[0]!.c) >= n, Math.max(atMs - Date.now(), 0) + 30 * 60_000, 1000);
    // Their last workflow tasks (each completes its workflow) are Temporal work too: counted, and done before the worker stops.
    await inBatches([...Array(n).keys()], 100, (i) => client.workflow.getHandle(`bench-trivial-${atMs}-${i}`).result());
    const cpuAfter = treeCpuSeconds(cpuRoots);
    const rows = await db('bench_marks').select<{ created_at: Date }[]>('created_at');
    const cpuSeconds = Object.fromEntries(Object.keys(cpuAfter).map((name) => [name, cpuAfter[name]! - cpuBefore[name]!]));
    return { ...timeline(atMs, rows.map((row) => row.created_at.getTime()), n), atMs, cpuSeconds };
  } finally {
    await stopChild(worker);
  }
}

/**
 * Temporal work done from an instant on: workflow starts (continue-as-new runs included), workflow
 * tasks completed, activities scheduled; and work done twice: workflow tasks timed out or failed
 * (a sticky task not taken in time is handed to another poller, which replays the whole history),
 * activity attempts after the first.
 */
interface TemporalWork {
  starts: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
  redone: number;
  byType: Record<string, Counted>;
}

interface Counted {
  executions: number;
  starts: number;
  workflowTasks: number;
  activities: number;
  /** Run inside a workflow task and recorded as a marker (the period close since issue 12): no task of their own. */
  localActivities: number;
  redone: number;
  /** Of `redone`, by kind (counted on the sample, not scaled). */
  redoneByKind: Record<string, number>;
}

function redo(counted: Counted, kind: string): void {
  counted.redone++;
  counted.redoneByKind[kind] = (counted.redoneByKind[kind] ?? 0) + 1;
}

const SAMPLE_PER_TYPE = 300;

/**
 * Counts the Temporal work of every execution alive at or after `sinceMs` whose type passes
 * `include`, from their histories (events at or after `sinceMs`). A type with more executions than
 * SAMPLE_PER_TYPE is counted on a uniform sample and scaled (N = 10,000 has tens of thousands).
 */
async function temporalWorkSince(client: Client, sinceMs: number, include: (type: string) => boolean): Promise<TemporalWork> {
  const since = new Date(sinceMs).toISOString();
  const executions = new Map<string, { workflowId: string; runId: string }[]>();
  for await (const execution of client.workflow.list({ query: `CloseTime >= "${since}" OR ExecutionStatus = "Running"` })) {
    if (!include(execution.type)) continue;
    const list = executions.get(execution.type) ?? [];
    list.push({ workflowId: execution.workflowId, runId: execution.runId });
    executions.set(execution.type, list);
  }
  const work: TemporalWork = { starts: 0, workflowTasks: 0, activities: 0, localActivities: 0, redone: 0, byType: {} };
  for (const [type, list] of executions) {
    // Every k-th execution of the listing (a sort with a random comparator keeps most items near their place: it sampled the newest runs only).
    const sample = list.length <= SAMPLE_PER_TYPE ? list : Array.from({ length: SAMPLE_PER_TYPE }, (_, i) => list[Math.floor((i * list.length) / SAMPLE_PER_TYPE)]!);
    const counted: Counted = { executions: list.length, starts: 0, workflowTasks: 0, activities: 0, localActivities: 0, redone: 0, redoneByKind: {} };
    await inBatches(sample, 20, async ({ workflowId, runId }) => {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      for (const event of history.events ?? []) {
        const atMs = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
        if (atMs < sinceMs) continue;
        if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) counted.starts++;
        else if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) counted.workflowTasks++;
        else if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) counted.activities++;
        else if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') counted.localActivities++;
        else if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) {
          // Schedule-to-start: a sticky task its worker did not take in time, handed to any poller with the whole history.
          redo(counted, `workflow task timed out (${TimeoutType[event.workflowTaskTimedOutEventAttributes?.timeoutType ?? 0]})`);
        }
        else if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) redo(counted, 'workflow task failed');
        else if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && (event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) redo(counted, 'activity retried');
      }
    });
    const scale = list.length / sample.length;
    for (const key of ['starts', 'workflowTasks', 'activities', 'localActivities', 'redone'] as const) {
      counted[key] = Math.round(counted[key] * scale);
      work[key] += counted[key];
    }
    work.byType[type] = counted;
  }
  return work;
}

function describeWork(work: TemporalWork, per: number, unit: string): string {
  const each = (value: number) => (value / per).toFixed(2);
  const kinds = (counted: Counted) => Object.entries(counted.redoneByKind).map(([kind, times]) => `${times} ${kind}`).join(', ');
  const types = Object.entries(work.byType).map(([type, counted]) => `${type} ×${counted.executions}: ${each(counted.starts)}/${each(counted.workflowTasks)}/${each(counted.activities)}/${each(counted.localActivities)}/${each(counted.redone)}`
    + (counted.redone > 0 ? ` (in the histories read: ${kinds(counted)})` : ''));
  return `per ${unit}: ${each(work.starts)} workflow starts, ${each(work.workflowTasks)} workflow tasks, ${each(work.activities)} activities, ${each(work.localActivities)} local activities, ${each(work.redone)} redone (starts/tasks/activities/local/redone by type: ${types.join('; ')})`;
}

interface CloseResult {
  atMs: number;
  invoiceCount: number;
  invoices: Timeline;
  pdfs: Timeline;
  webhooks: Timeline;
  peakRssMb: Record<string, number>;
  pgWaits: ReturnType<ReturnType<typeof pgWaitSampler>['stop']>;
  loadAverage: number[];
  createSeconds: number;
  /** CPU seconds from just before the instant to the end of the close (PDFs and webhooks included), per process tree. */
  closeCpuSeconds: Record<string, number>;
}

/**
 * The most closes per second the machine's cores allow at a given CPU cost per subscription, every
 * core busy from the instant until the close is done: with PDFs, done means the last PDF, which the
 * target lets come 20 % after the last invoice (cores × 1.2 ÷ cost); without, the last invoice.
 */
function closesCeiling(cpuMsPerSubscription: number): number {
  return (os.cpus().length * 1000 * (WITH_PDFS ? 1.2 : 1)) / cpuMsPerSubscription;
}

/**
 * The ceiling at the CPU the close was measured to cost in every process, and at the cost of what
 * Billow's own close cannot remove (Temporal's part, and Chromium's with PDFs): the most the run
 * could reach if the close cost nothing in Billow's worker and Postgres.
 */
function ceilingLine(cpuSeconds: Record<string, number>, n: number, baselinePerSecond: number): string {
  const ms = (seconds: number) => (1000 * seconds) / n;
  const trees = Object.entries(cpuSeconds).filter(([name]) => name.startsWith('worker') && name !== 'workers alone').reduce((sum, [, seconds]) => sum + seconds, 0);
  const chromium = trees - (cpuSeconds['workers alone'] ?? 0);
  const all = ms(cpuSeconds.temporal! + cpuSeconds.postgres! + trees);
  const floor = ms(cpuSeconds.temporal! + (WITH_PDFS ? chromium : 0));
  const at = (costMs: number) => `${closesCeiling(costMs).toFixed(1)} /s (${(closesCeiling(costMs) / baselinePerSecond).toFixed(2)}×)`;
  return `  ceiling on ${os.cpus().length} cores, every core busy to the last ${WITH_PDFS ? 'PDF (20 % after the last invoice)' : 'invoice'}: ${at(all)} at the ${all.toFixed(1)} ms measured per subscription; `
    + `${at(floor)} at ${WITH_PDFS ? "Temporal's and Chromium's" : "Temporal's"} ${floor.toFixed(1)} ms alone (a close costing nothing in Billow's worker and Postgres)`;
}

/** The embedded Postgres's postmaster (its backends are its children). */
let postgresPid = 0;

/**
 * What Postgres's busy sessions wait on during the close (pg_stat_activity every 200 ms, from
 * `fromMs`): busy sessions per sample for each wait, and how many of them, on average, were
 * waiting for the lock of a counter row (the organization's invoice counter, if it were the limit).
 */
function pgWaitSampler(db: Db, fromMs: number) {
  const waits = new Map<string, number>();
  let samples = 0;
  let counterWaiters = 0;
  let timer: NodeJS.Timeout | null = null;
  const sample = async () => {
    const { rows } = (await db.raw(
      `SELECT wait_event_type || ':' || wait_event AS wait, wait_event_type = 'Lock' AND query ILIKE '%sequence_counters%' AS on_counter
         FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND wait_event IS NOT NULL`,
    )) as { rows: { wait: string; on_counter: boolean | null }[] };
    samples += 1;
    for (const row of rows) {
      waits.set(row.wait, (waits.get(row.wait) ?? 0) + 1);
      if (row.on_counter) counterWaiters += 1;
    }
  };
  const tick = () => {
    timer = setTimeout(() => void sample().catch(() => undefined).then(() => { if (timer) tick(); }), 200);
  };
  const start = setTimeout(tick, Math.max(0, fromMs - Date.now()));
  return {
    stop() {
      clearTimeout(start);
      if (timer) clearTimeout(timer);
      timer = null;
      const top = [...waits.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5)
        .map(([wait, count]) => `${wait} ${(count / Math.max(samples, 1)).toFixed(2)}`);
      return { samples, top, counterWaiters: counterWaiters / Math.max(samples, 1) };
    },
  };
}

/** Billow: N subscriptions of N/2 customers whose weekly periods end at one local midnight. */
async function billowClose(db: Db, databaseUrl: string, temporal: RunningTemporal, client: Client, n: number, dataDir: string): Promise<CloseResult> {
  const { organization } = await createOrganization(db, { name: 'Bench Close Org' });
  await setWebhooksAllowPrivateAddresses(db, organization.id, true);
  const delivered: number[] = [];
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      delivered.push(Date.now());
      res.end('ok');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}/hook`;
  await db('webhook_endpoints').insert({ organization_id: organization.id, webhook_url: receiverUrl, signature_algo: 'hmac', event_types: JSON.stringify(['invoice.created']) });

  const workerEnv = {
    ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    BILLOW_DATA_DIR: dataDir, BILLOW_PUBLIC_URL: 'http://127.0.0.1:3000', BILLOW_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn',
    BILLOW_PDF_GENERATION: PDFS,
  };
  const nodeArgs = (process.env.BENCH_CLOSE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const workers = Array.from({ length: WORKERS }, () => forkChild(path.join(__dirname, '../src/cli.ts'), ['worker'], workerEnv, nodeArgs));
  try {
    await Promise.all(workers.map((worker) => once(worker, 'message')));
    const plan = await insertWeeklyPlan(db, organization.id);
    const createStarted = Date.now();
    const { atMs, timezone } = nextMidnight(Date.now() + 60_000 + n * 25);
    const startedAt = new Date(startOfLocalDay(addDays(localDateOf(atMs, timezone), -7), timezone));
    // Setup, not the API: a start slowed by the machine waits rather than failing the run.
    const workflows = temporalSubscriptionWorkflows(client, { taskQueue: TASK_QUEUE, searchAttributes: true, reachTimeoutMs: 120_000 });
    say(`  ${n} subscriptions due at ${new Date(atMs).toISOString()} (midnight in ${timezone}), in ${Math.round((atMs - Date.now()) / 1000)} s`);
    await createSleepingSubscriptions(db, workflows, { organizationId: organization.id, planId: plan.id, from: 0, count: n, startedAt, timezone });
    const createSeconds = (Date.now() - createStarted) / 1000;
    const pids: Record<string, number> = { temporal: temporal.pid!, ...Object.fromEntries(workers.map((worker, i) => [`worker${i + 1}`, worker.pid!])) };
    const idle = await idleCpuUntil(pids, IDLE_SECONDS, atMs - 5000);
    const percents = (percent: Record<string, number>) => Object.entries(percent).map(([name, pct]) => `${name} ${pct.toFixed(1)} %`).join(', ');
    const idleLine = idle.last
      ? `${percents(idle.last)} in the last ${IDLE_SECONDS} s of ${idle.afterSeconds.toFixed(0)} s asleep (first ${IDLE_SECONDS} s after the creation: ${percents(idle.first!)})`
      : 'not measured (no time left before the instant)';
    // Said now: a run stopped before the close ends still tells its idle cost.
    say(`  created in ${createSeconds.toFixed(0)} s; idle CPU while asleep: ${idleLine}; RSS asleep: ${Object.entries(pids).map(([name, pid]) => `${name} ${usage(pid).rssMb.toFixed(0)} MB`).join(', ')}`);
    // CPU is counted from just before the instant: the subscriptions may sleep for many minutes before it.
    if (atMs - 2000 > Date.now()) await new Promise((resolve) => setTimeout(resolve, atMs - 2000 - Date.now()));
    const sampler = rssSampler(pids);
    // Each worker's tree holds its Chromium: the renderers' share is the trees' CPU less the workers' own.
    const cpuRoots = { temporal: temporal.pid!, postgres: postgresPid, ...Object.fromEntries(workers.map((worker, i) => [`worker${i + 1} and its Chromium`, worker.pid!])) };
    const ownCpu = () => workers.reduce((sum, worker) => sum + usage(worker.pid!).cpuSeconds, 0);
    const cpuBefore: Record<string, number> = { ...treeCpuSeconds(cpuRoots), 'workers alone': ownCpu() };
    const waitSampler = pgWaitSampler(db, atMs);
    // Every subscription's close of the day is a part of an invoice (one per customer when they
    // consolidate: N/2 invoices for N subscriptions of N/2 customers).
    const occasion = `close:${localDateOf(atMs, timezone)}`;
    const dayInvoices = () => db('invoices').where({ organization_id: organization.id })
      .whereIn('id', db('invoice_subscriptions').select('invoice_id').where({ organization_id: organization.id, occasion }));
    const count = async (query: () => Promise<{ c: string | number | bigint }[]>) => Number((await query())[0]!.c);
    await waitUntil(WITH_PDFS ? 'invoices, PDFs and webhooks' : 'invoices and webhooks', async () => {
      const [closed, invoices, pdfs] = await Promise.all([
        count(() => db('invoice_subscriptions').where({ organization_id: organization.id, occasion }).count({ c: '*' })),
        count(() => dayInvoices().count({ c: '*' })),
        count(() => dayInvoices().whereNotNull('file_path').count({ c: '*' })),
      ]);
      return closed >= n && (!WITH_PDFS || pdfs >= invoices) && delivered.length >= invoices;
    }, atMs - Date.now() + 60 * 60_000, 1000);
    const peakRssMb = sampler.stop();
    const cpuAfter: Record<string, number> = { ...treeCpuSeconds(cpuRoots), 'workers alone': ownCpu() };
    const closeCpuSeconds = Object.fromEntries(Object.keys(cpuAfter).map((name) => [name, cpuAfter[name]! - cpuBefore[name]!]));
    const pgWaits = waitSampler.stop();
    const loadAverage = os.loadavg();
    const invoices = await dayInvoices().select<{ id: string; created_at: Date }[]>('id', 'created_at');
    const generated = await db('webhook_events').where({ webhook_type: 'invoice.generated' }).whereIn('object_id', invoices.map((invoice) => invoice.id))
      .select<{ created_at: Date }[]>('created_at');
    return {
      atMs,
      invoiceCount: invoices.length,
      invoices: timeline(atMs, invoices.map((invoice) => invoice.created_at.getTime()), invoices.length, n),
      pdfs: timeline(atMs, generated.map((event) => event.created_at.getTime()), invoices.length),
      webhooks: timeline(atMs, delivered, invoices.length),
      peakRssMb,
      pgWaits,
      loadAverage,
      createSeconds,
      closeCpuSeconds,
    };
  } finally {
    await Promise.all(workers.map(stopChild));
    receiver.close();
  }
}

function seconds(ms: number | null): string {
  return ms === null ? 'not all' : `${(ms / 1000).toFixed(1)} s`;
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  await withScratchPostgres('close', log, async ({ work, postgres }) => {
    postgresPid = postgres.pid ?? 0;
    const runs: (readonly string[] | undefined)[] = process.env.BENCH_CLOSE_SQLITE_DEFAULTS === '1' ? [undefined, []] : [undefined];
    for (const settings of runs) {
      for (const n of SIZES) {
        const label = settings === undefined ? 'dev server as npm start runs it (SQLite WAL)' : "dev server on SQLite's default journal";
        say(`\n== N = ${n}, ${label}, ${WORKERS} worker process(es), PDFs ${WITH_PDFS ? 'rendered as invoices are issued' : 'on demand (none rendered)'}`);
        const dataDir = fs.mkdtempSync(path.join(work, 'run-'));
        const temporal = await startDevServer({ cacheDir: CACHE, dataDir, port: await freePort(), uiPort: await freePort(), namespace: 'default', log, sqlitePragmas: settings });
        const connection = await Connection.connect({ address: temporal.address });
        const client = new Client({ connection });
        try {
          const databaseUrl = await ensureDatabase(postgres.url, `bench_close_${Date.now()}`);
          const db = createDb(databaseUrl, { max: 10 });
          await migrate(db);
          try {
            const base = await baseline(db, databaseUrl, temporal, client, n);
            say(`  baseline (sleep, one insert): ${base.closesPerSecond.toFixed(1)} /s, last at ${seconds(base.lastMs)}; CPU from the instant to the last workflow's end, per workflow: ${Object.entries(base.cpuSeconds).map(([name, cpuSeconds]) => `${name} ${((1000 * cpuSeconds) / n).toFixed(1)} ms`).join(', ')}`);
            const close = await billowClose(db, databaseUrl, temporal, client, n, dataDir);
            say(`  closes: ${close.invoices.closesPerSecond.toFixed(1)} /s (${(close.invoices.closesPerSecond / base.closesPerSecond).toFixed(2)}× the baseline), last at ${seconds(close.invoices.lastMs)}, on ${close.invoiceCount} invoices`);
            say(`  PDFs: ${WITH_PDFS ? `last at ${seconds(close.pdfs.lastMs)}` : 'none (on demand)'}; webhooks delivered: last at ${seconds(close.webhooks.lastMs)}`);
            say(`  CPU from the instant to the last invoice, PDF and webhook, per subscription: ${Object.entries(close.closeCpuSeconds).map(([name, cpuSeconds]) => `${name} ${((1000 * cpuSeconds) / n).toFixed(1)} ms`).join(', ')}`);
            say(ceilingLine(close.closeCpuSeconds, n, base.closesPerSecond));
            say(`  peak RSS: ${Object.entries(close.peakRssMb).map(([name, mb]) => `${name} ${mb.toFixed(0)} MB`).join(', ')}`);
            say(`  Postgres waits during the close (busy sessions per sample, ${close.pgWaits.samples} samples): ${close.pgWaits.top.join(', ') || 'none'}; blocked behind the counter row: ${close.pgWaits.counterWaiters.toFixed(2)}`);
            say(`  load average when the close ended: ${close.loadAverage.map((value) => value.toFixed(1)).join(', ')} on ${os.cpus().length} cores`);
            const baseWork = await temporalWorkSince(client, base.atMs, (type) => type === 'sleepThenInsert');
            const closeWork = await temporalWorkSince(client, close.atMs, (type) => type !== 'sleepThenInsert');
            say(`  Temporal work from the instant on, baseline ${describeWork(baseWork, n, 'workflow')}`);
            say(`  Temporal work from the instant on, Billow ${describeWork(closeWork, n, 'subscription')}`);
            say(`  (per invoice: ${(closeWork.starts / close.invoiceCount).toFixed(2)} starts, ${(closeWork.workflowTasks / close.invoiceCount).toFixed(2)} workflow tasks, ${(closeWork.activities / close.invoiceCount).toFixed(2)} activities, ${(closeWork.localActivities / close.invoiceCount).toFixed(2)} local activities)`);
          } finally {
            await db.destroy();
          }
        } finally {
          await connection.close();
          await temporal.stop();
        }
      }
    }
  });
}

runBench(main);
