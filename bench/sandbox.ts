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
import { addIsoDuration } from '../src/api/iso-duration';
import { freePort } from '../test/support/processes';

const SIZES = (process.env.BENCH_SANDBOX_N ?? '1,10,100').split(',').map(Number);
const DURATION = process.env.BENCH_SANDBOX_DURATION ?? 'P1Y';
const WAIT_S = Number(process.env.BENCH_SANDBOX_WAIT_S ?? 600);
const SETTLE_S = Number(process.env.BENCH_SANDBOX_SETTLE_S ?? 300);
const ROOT = path.resolve(__dirname, '..');
const say = (line: string) => process.stdout.write(`${line}\n`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sandbox {
  base: string;
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
    if (key) return { base: `http://127.0.0.1:${port}/api/v1`, key, child, stop };
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
    const started = performance.now();
    let answer: { status: number; body: any } | null = null; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      answer = await postLong(sandbox, '/sandbox/clock/advance', { duration: DURATION }, WAIT_S * 1000);
    } catch (error) {
      answer = null;
      say(`  N=${n}: ${(error as Error).message}`);
    }
    const seconds = (performance.now() - started) / 1000;
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
