/**
 * `npm run bench:sandbox`: how long `POST /api/v1/sandbox/clock/advance` takes to move a year
 * with N subscriptions, on `npm start -- --sandbox` as a user runs it (its own child process, a
 * fresh data directory, random ports). For each N: a monthly plan paid in advance, N customers with
 * one subscription each (calendar billing, so every boundary closes N periods at one instant), then
 * one advance of `P1Y`. Prints the advance's wall time, what it answered (complete or not, where
 * the clock got) and, at its answer and once everything settled, how many invoices exist against
 * the count worked out from the calendar (one starting invoice per subscription, one per month
 * start crossed).
 *
 * Where the time goes: CPU seconds of each process of the sandbox (worker, API, Temporal's test
 * server, PostgreSQL, Chromium; from /proc) during the advance and from its answer until every
 * invoice exists, per boundary closed; and what each boundary brought to the database: its
 * transactions, row reads and writes, the webhook events, PDF requests and payment workflows
 * (workflow requests) per invoice; and the timeline of a boundary: how long its closes take, and
 * how long until the next boundary's closes start. The load average and the CPU the hypervisor
 * stole are printed beside the figures: the machine is shared, and a wall time means little
 * without them.
 *
 * Knobs (environment):
 *   BENCH_SANDBOX_N         subscriptions per run, a comma list (default "1,10,100")
 *   BENCH_SANDBOX_DURATION  ISO-8601 duration to advance (default "P1Y")
 *   BENCH_SANDBOX_WAIT_S    how long the bench itself waits for an answer (default 600)
 *   BENCH_SANDBOX_SETTLE_S  how long it then waits for the invoices to settle (default 300)
 *   BENCH_SANDBOX_NODE_ARGS node flags for Billow's processes (the API and worker inherit them),
 *                           e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { addIsoDuration } from '../src/api/iso-duration';
import { embeddedPostgresUrl } from '../src/bootstrap/postgres';
import { databaseUrl } from '../src/db/databases';
import { freePort } from '../test/support/processes';
import { percentile } from './support/stack';
import { stolenSeconds, TICKS_PER_S } from './support/processes';

const SIZES = (process.env.BENCH_SANDBOX_N ?? '1,10,100').split(',').map(Number);
const DURATION = process.env.BENCH_SANDBOX_DURATION ?? 'P1Y';
const WAIT_S = Number(process.env.BENCH_SANDBOX_WAIT_S ?? 600);
const SETTLE_S = Number(process.env.BENCH_SANDBOX_SETTLE_S ?? 300);
const ROOT = path.resolve(__dirname, '..');
const say = (line: string) => process.stdout.write(`${line}\n`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds used so far by each kind of process under `root` (Linux /proc): where an advance's time goes. */
type CpuSplit = Map<string, number>;

function cpuByRole(root: number): CpuSplit {
  const split: CpuSplit = new Map();
  if (!fs.existsSync('/proc')) return split;
  const stats = new Map<number, { ppid: number; ticks: number; role: string }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const exe = path.basename(cmdline[0] ?? '');
      const role = exe === 'java' || cmdline.some((arg) => arg.includes('temporal-test-server')) ? 'temporal test server'
        : exe.startsWith('postgres') || stat.includes('(postgres)') ? 'postgres'
        : /chrom/i.test(exe) ? 'chromium'
        : cmdline.at(-1) === 'worker' ? 'worker (node)'
        : cmdline.at(-1) === 'api' ? 'api (node)'
        : 'supervisor (node)';
      // utime + stime + cutime + cstime (children that exited count to their parent)
      const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks, role });
    } catch {
      // the process ended while being read
    }
  }
  const under = (pid: number): boolean => {
    for (let current = pid, hops = 0; current > 1 && hops < 20; hops += 1) {
      if (current === root) return true;
      current = stats.get(current)?.ppid ?? 0;
    }
    return false;
  };
  for (const [pid, { ticks, role }] of stats) if (under(pid)) split.set(role, (split.get(role) ?? 0) + ticks / TICKS_PER_S);
  return split;
}

function cpuDelta(before: CpuSplit, after: CpuSplit): string {
  const roles = [...new Set([...before.keys(), ...after.keys()])];
  const parts = roles.map((role) => [role, (after.get(role) ?? 0) - (before.get(role) ?? 0)] as const).filter(([, s]) => s >= 0.05).sort((a, b) => b[1] - a[1]);
  const total = parts.reduce((sum, [, s]) => sum + s, 0);
  return `${parts.map(([role, s]) => `${role} ${s.toFixed(1)}`).join(', ')}; total ${total.toFixed(1)} CPU s`;
}

/**
 * What the sandbox's database did and holds: its transactions and row reads and writes (pg_stat_database),
 * and the work each invoice brought along: webhook events, PDF requests and workflow requests
 * (payment workflows) by type.
 */
type DbWork = Record<string, number>;

/** Runs `read` on a connection of its own to the sandbox's database. */
async function withSandboxDb<T>(sandbox: Sandbox, read: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl(embeddedPostgresUrl(sandbox.pgPort), 'billow_sandbox') });
  await client.connect();
  try {
    return await read(client);
  } finally {
    await client.end();
  }
}

async function databaseWork(sandbox: Sandbox): Promise<DbWork> {
  return withSandboxDb(sandbox, async (client) => {
    const work: DbWork = {};
    const stat = await client.query('SELECT xact_commit, tup_returned, tup_fetched, tup_inserted, tup_updated FROM pg_stat_database WHERE datname = current_database()');
    for (const [name, value] of Object.entries(stat.rows[0] ?? {})) work[`pg ${name}`] = Number(value);
    const scans = await client.query('SELECT coalesce(sum(seq_scan), 0) AS seq, coalesce(sum(idx_scan), 0) AS idx FROM pg_stat_user_tables');
    work['pg table scans'] = Number(scans.rows[0].seq) + Number(scans.rows[0].idx);
    for (const [label, sql] of [
      ['webhook events', 'SELECT webhook_type AS kind, count(*) FROM webhook_events GROUP BY 1'],
      ['workflow requests', 'SELECT workflow_type AS kind, count(*) FROM workflow_requests GROUP BY 1'],
      ['document requests', "SELECT 'all' AS kind, count(*) FROM document_requests"],
      ['invoices', "SELECT 'all' AS kind, count(*) FROM invoices UNION ALL SELECT 'payment_overdue', count(*) FROM invoices WHERE payment_overdue"],
    ] as const) {
      for (const row of (await client.query(sql)).rows) work[`${label}: ${row.kind}`] = Number(row.count);
    }
    return work;
  });
}

/** Each counter's growth from `before` to `after`, per boundary closed. */
function perBoundary(before: DbWork, after: DbWork, boundaries: number): string {
  return Object.keys(after).map((name) => `${name} ${((after[name]! - (before[name] ?? 0)) / boundaries).toFixed(2)}`).join(', ');
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/**
 * Where an advance's wall time goes, boundary by boundary (invoices grouped by issuing date, from
 * the first boundary crossed): how long its closes took (first to last invoice) and how long from
 * its last invoice to the next boundary's first (the time-skipping server's jump, and what holds
 * its clock meanwhile: the overdue sweep, the relay). Medians, in seconds.
 */
async function boundaryTimeline(sandbox: Sandbox, fromDate: string): Promise<string> {
  return withSandboxDb(sandbox, async (client) => {
    const rows = (await client.query(
      'SELECT issuing_date, extract(epoch FROM min(created_at)) AS first, extract(epoch FROM max(created_at)) AS last FROM invoices WHERE issuing_date > $1 GROUP BY 1 ORDER BY 1',
      [fromDate],
    )).rows.map((row) => ({ first: Number(row.first), last: Number(row.last) }));
    if (rows.length < 2) return 'fewer than two boundaries closed';
    const closes = rows.map((row) => row.last - row.first);
    const gaps = rows.slice(1).map((row, i) => row.first - rows[i]!.last);
    return `${rows.length} boundaries: closes ${percentile(closes, 50).toFixed(2)} s each (first to last invoice), then ${percentile(gaps, 50).toFixed(2)} s to the next boundary's first invoice (medians)`;
  });
}

interface Sandbox {
  base: string;
  pgPort: number;
  key: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startSandbox(): Promise<Sandbox> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-bench-sandbox-'));
  fs.chmodSync(dataDir, 0o755);
  const [port, pgPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), EMBEDDED_POSTGRES_PORT: String(pgPort), BILLOW_DATA_DIR: dataDir, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', BILLOW_RATE_LIMIT: '0' };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'BILLOW_API_KEY', 'BILLOW_ENCRYPTION_KEY']) delete env[name];
  const nodeArgs = (process.env.BENCH_SANDBOX_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/cli.ts', 'start', '--sandbox'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => {
    output += chunk;
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
  });
  const stop = async () => {
    if (child.exitCode === null) {
      process.kill(-child.pid!, 'SIGINT');
      await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(30_000)]);
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = performance.now() + 240_000;
  for (;;) {
    const key = /API key\s+(blw_\S+)/.exec(output)?.[1];
    if (key) return { base: `http://127.0.0.1:${port}/api/v1`, pgPort, key, child, stop };
    if (child.exitCode !== null || performance.now() > deadline) {
      await stop();
      throw new Error(`the sandbox did not start:\n${output.slice(-3000)}`);
    }
    await sleep(300);
  }
}

async function call(sandbox: Sandbox, method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${sandbox.base}${route}`, {
    method,
    headers: { Authorization: `Bearer ${sandbox.key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** One POST over node:http with no timeout of its own (fetch gives up on headers after 300 s). */
function postLong(sandbox: Sandbox, route: string, body: unknown, timeoutMs: number): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const request = http.request(`${sandbox.base}${route}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sandbox.key}`, 'Content-Type': 'application/json' },
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

async function invoiceCount(sandbox: Sandbox): Promise<number> {
  const page = await call(sandbox, 'GET', '/invoices?per_page=1');
  return Number(page.body.meta?.total_count ?? 0);
}

/** Month starts (UTC) in (fromMs, toMs]: the calendar boundaries a monthly calendar plan bills at. */
function monthStartsCrossed(fromMs: number, toMs: number): number {
  const from = new Date(fromMs);
  let count = 0;
  for (let month = 1; ; month += 1) {
    const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + month, 1);
    if (start > toMs) return count;
    count += 1;
  }
}

async function runOnce(n: number): Promise<void> {
  const sandbox = await startSandbox();
  try {
    const plan = await call(sandbox, 'POST', '/plans', { plan: { name: 'Monthly', code: 'monthly', interval: 'monthly', amount_cents: 1000, amount_currency: 'USD', pay_in_advance: true } });
    if (plan.status !== 200) throw new Error(`plan: ${JSON.stringify(plan.body)}`);
    for (let i = 0; i < n; i += 1) {
      const customer = await call(sandbox, 'POST', '/customers', { customer: { external_id: `cus_${i}`, currency: 'USD', timezone: 'UTC' } });
      if (customer.status !== 200) throw new Error(`customer: ${JSON.stringify(customer.body)}`);
      const subscription = await call(sandbox, 'POST', '/subscriptions', { subscription: { external_customer_id: `cus_${i}`, plan_code: 'monthly', external_id: `sub_${i}`, billing_time: 'calendar' } });
      if (subscription.status !== 200) throw new Error(`subscription: ${JSON.stringify(subscription.body)}`);
    }
    // The starting invoices (paid in advance) come from the workflows' first activity.
    const settleStart = performance.now();
    while ((await invoiceCount(sandbox)) < n && performance.now() - settleStart < 120_000) await sleep(250);
    const clock = await call(sandbox, 'GET', '/sandbox/clock');
    const fromMs = Date.parse(clock.body.clock.now);

    const targetMs = addIsoDuration(fromMs, DURATION);
    const loadBefore = load();
    const stolenBefore = stolenSeconds();
    const workBefore = await databaseWork(sandbox);
    const cpuBefore = cpuByRole(sandbox.child.pid!);
    const started = performance.now();
    let answer: { status: number; body: any } | null = null; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      answer = await postLong(sandbox, '/sandbox/clock/advance', { duration: DURATION }, WAIT_S * 1000);
    } catch (error) {
      answer = null;
      say(`  N=${n}: ${(error as Error).message}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuAtAnswer = cpuByRole(sandbox.child.pid!);
    const loadAtAnswer = load();
    const stolenDuring = stolenSeconds() - stolenBefore;
    const atAnswer = await invoiceCount(sandbox);
    const clockAtAnswer = (await call(sandbox, 'GET', '/sandbox/clock')).body.clock.now as string;
    const expected = n * (1 + monthStartsCrossed(fromMs, targetMs));
    // Then let everything settle, to see when the billing itself was done.
    let settled = atAnswer;
    const settleFrom = performance.now();
    let settledAt = seconds;
    while (settled < expected && performance.now() - settleFrom < SETTLE_S * 1000) {
      await sleep(1000);
      settled = await invoiceCount(sandbox);
      settledAt = seconds + (performance.now() - settleFrom) / 1000;
    }
    say(`  N=${String(n).padStart(4)}  advance ${DURATION}: ${answer ? `HTTP ${answer.status} in ${seconds.toFixed(1)} s` : `no answer within ${WAIT_S} s`}`
      + `  ${answer ? JSON.stringify(answer.body.clock ?? answer.body) : ''}`);
    const clockSettled = (await call(sandbox, 'GET', '/sandbox/clock')).body.clock.now as string;
    say(`          clock at the answer ${clockAtAnswer}, target ${new Date(targetMs).toISOString()}, after settling ${clockSettled}`);
    say(`          invoices at the answer ${atAnswer}/${expected}; ${settled}/${expected} after ${settledAt.toFixed(1)} s`
      + `  (${n} starting + ${n} × ${expected / n - 1} month starts)`);
    say(`          CPU during the advance (${seconds.toFixed(1)} s wall, 2 cores = ${(2 * seconds).toFixed(0)} CPU s at most): ${cpuDelta(cpuBefore, cpuAtAnswer)}`);
    const cpuSettled = cpuByRole(sandbox.child.pid!);
    say(`          CPU from the answer to settled: ${cpuDelta(cpuAtAnswer, cpuSettled)}`);
    const boundaries = settled - n;
    if (boundaries > 0) {
      say(`          CPU per boundary closed (${boundaries}), answer to settled included: ${cpuDelta(new Map([...cpuBefore].map(([role, s]) => [role, s * 1000 / boundaries])), new Map([...cpuSettled].map(([role, s]) => [role, s * 1000 / boundaries]))).replace('CPU s', 'CPU ms')}`);
      say(`          per boundary closed: ${perBoundary(workBefore, await databaseWork(sandbox), boundaries)}`);
      say(`          timeline: ${await boundaryTimeline(sandbox, new Date(fromMs).toISOString().slice(0, 10))}`);
    }
    say(`          load (1, 5, 15 min) before the advance ${loadBefore}, at the answer ${loadAtAnswer}; CPU stolen by the hypervisor during the advance ${stolenDuring.toFixed(1)} s`);
  } finally {
    await sandbox.stop();
  }
}

async function main(): Promise<void> {
  say(`bench:sandbox  ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const n of SIZES) await runOnce(n);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
