/**
 * Processes that survive each other (issue 12), on `npm start` for real (embedded PostgreSQL, the
 * Temporal dev server, worker and API as child processes), each one killed with SIGKILL in turn:
 * - the worker: the API keeps answering throughout; the supervisor restarts the worker (logged),
 *   whose health endpoint (BILLOW_WORKER_HEALTH_PORT, as deploy/kubernetes probes it) answers
 *   again, and a subscription made after it is billed;
 * - the API: restarted, answering again;
 * - PostgreSQL: `/ready` answers 503 naming it within seconds, requests answer 503
 *   `database_unavailable` (never 500), logged once per interval rather than once per request;
 *   the supervisor restarts PostgreSQL, `/ready` is 200 again, nothing acknowledged is lost and a
 *   new subscription is billed;
 * and Ctrl-C still stops the whole product without anything being restarted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isListening, killGroupAndRemove, waiter } from '../support/processes';

const ROOT = path.resolve(__dirname, '../..');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let child: ChildProcess | undefined;
let output = '';
const waitFor = waiter(() => output);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-supervision-'));

afterAll(() => killGroupAndRemove(child?.pid, dataDir));

/** Billow's JSON log lines so far (the banner and npm's lines are not JSON). */
function logLines(): Record<string, unknown>[] {
  return output.split('\n').filter((line) => line.startsWith('{')).flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
const pidsOf = (message: string) => logLines().filter((line) => line.msg === message).map((line) => line.pid as number);

it('npm start restarts a killed worker, API or PostgreSQL while the rest keeps serving; /ready follows PostgreSQL', async () => {
  fs.chmodSync(dataDir, 0o755);
  const [port, temporalPort, uiPort, pgPort, healthPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port), TEMPORAL_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(uiPort), EMBEDDED_POSTGRES_PORT: String(pgPort),
    BILLOW_WORKER_HEALTH_PORT: String(healthPort), BILLOW_DATA_DIR: dataDir, BILLOW_RATE_LIMIT: '0', LOG_LEVEL: 'info',
  };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'BILLOW_API_KEY', 'BILLOW_ENCRYPTION_KEY']) delete env[name];
  child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));

  const apiKey = await waitFor('the start banner', async () => /API key\s+(blw_\S+)/.exec(output)?.[1], 300_000);
  const root = `http://127.0.0.1:${port}`;
  const call = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${root}/api/v1${route}`, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const getJson = async (url: string) => {
    const response = await fetch(url);
    return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const subscribeAndBill = async (n: number) => {
    expect((await call('POST', '/customers', { customer: { external_id: `cus_${n}`, currency: 'USD', timezone: 'UTC' } })).status).toBe(200);
    expect((await call('POST', '/subscriptions', { subscription: { external_customer_id: `cus_${n}`, plan_code: 'starter', external_id: `sub_${n}`, billing_time: 'anniversary' } })).status).toBe(200);
    // An anniversary plan paid in advance bills its first month at once: 1900.
    const invoice = await waitFor(`the invoice of sub_${n}`, async () => (await call('GET', `/invoices?external_customer_id=cus_${n}`)).body.invoices?.[0], 90_000);
    expect(invoice).toMatchObject({ total_amount_cents: 1900, invoice_type: 'subscription' });
  };
  const invoiceCount = async (n: number) => ((await call('GET', `/invoices?external_customer_id=cus_${n}`)).body.invoices as unknown[]).length;

  expect((await call('POST', '/plans', { plan: { name: 'Starter', code: 'starter', interval: 'monthly', amount_cents: 1900, amount_currency: 'USD', pay_in_advance: true } })).status).toBe(200);
  await subscribeAndBill(1);
  await waitFor('/ready', async () => ((await getJson(`${root}/ready`)).status === 200 ? true : undefined), 60_000);
  const ready = await getJson(`${root}/ready`);
  expect(ready.body.checks).toEqual({ postgres: 'ok', temporal: 'ok', worker: 'ok' });
  await waitFor('the worker to be ready', async () => ((await getJson(`http://127.0.0.1:${healthPort}/ready`)).status === 200 ? true : undefined), 60_000);

  // 1. The worker dies. The API keeps answering while the supervisor brings it back.
  const [firstWorker] = pidsOf('worker started');
  expect(firstWorker).toBeGreaterThan(0);
  process.kill(firstWorker!, 'SIGKILL');
  const answersMeanwhile: number[] = [];
  const secondWorker = await waitFor('a new worker', async () => {
    answersMeanwhile.push((await call('GET', '/plans')).status, (await fetch(`${root}/health`)).status);
    return pidsOf('worker started').find((pid) => pid !== firstWorker);
  }, 180_000);
  expect(answersMeanwhile.length).toBeGreaterThanOrEqual(4);
  expect(new Set(answersMeanwhile)).toEqual(new Set([200]));
  expect(logLines().find((line) => line.msg === 'worker exited unexpectedly: restarting it in 1 s')).toMatchObject({ process: 'worker', signal: 'SIGKILL' });
  expect(logLines().some((line) => line.msg === 'worker restarted')).toBe(true);
  expect(secondWorker).not.toBe(firstWorker);
  expect((await getJson(`http://127.0.0.1:${healthPort}/health`))).toEqual({ status: 200, body: { status: 'alive' } });
  await subscribeAndBill(2); // billed by the new worker

  // 2. The API dies: restarted.
  const [firstApi] = pidsOf('API listening');
  process.kill(firstApi!, 'SIGKILL');
  await waitFor('a new API', async () => pidsOf('API listening').find((pid) => pid !== firstApi), 120_000);
  await waitFor('the API to answer', async () => ((await call('GET', '/plans')).status === 200 ? true : undefined), 30_000);
  expect(logLines().find((line) => line.msg === 'api exited unexpectedly: restarting it in 1 s')).toMatchObject({ process: 'api', signal: 'SIGKILL' });

  // 3. PostgreSQL dies.
  const postmaster = Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  expect(postmaster).toBeGreaterThan(0);
  const outageLines = () => logLines().filter((line) => ['database', 'relay', 'reconcile'].includes(line.failure as string)).length;
  const databaseLinesBefore = outageLines();
  const killedAt = Date.now();
  process.kill(postmaster, 'SIGKILL');
  const notReady = await waitFor('/ready to say 503', async () => {
    const answer = await getJson(`${root}/ready`);
    return answer.status === 503 ? answer : undefined;
  }, 15_000);
  const notReadyAfterMs = Date.now() - killedAt;
  expect(notReady.body).toMatchObject({ status: 503, error: 'Service Unavailable', code: 'not_ready' });
  expect(notReady.body.checks.postgres).not.toBe('ok');
  // Requests during the outage: 503 database_unavailable or, once PostgreSQL is back, 200; never 500.
  const during: number[] = [];
  for (;;) {
    const answer = await call('GET', '/invoices?external_customer_id=cus_1');
    during.push(answer.status);
    if (answer.status === 503) expect(answer.body).toMatchObject({ status: 503, error: 'Service Unavailable', code: 'database_unavailable' });
    else expect(answer.status).toBe(200);
    if (answer.status === 200 && (await getJson(`${root}/ready`)).status === 200) break;
    if (Date.now() - killedAt > 180_000) throw new Error(`PostgreSQL did not come back. Output:\n${output.slice(-6000)}`);
    await sleep(50);
  }
  const outageMs = Date.now() - killedAt;
  expect(logLines().some((line) => line.process === 'PostgreSQL' && line.msg === 'PostgreSQL exited unexpectedly: restarting it in 1 s')).toBe(true);
  expect(logLines().some((line) => line.msg === 'embedded PostgreSQL restarted')).toBe(true);
  const failed = during.filter((status) => status === 503).length;
  expect(failed).toBeGreaterThanOrEqual(5);
  // Once per 10 s per process (the API's error renderer; the worker's relay and reconciler), not once per request.
  const databaseLines = outageLines() - databaseLinesBefore;
  const kinds = 3; // the API's 503s, the worker's relay, the worker's reconciler
  expect(databaseLines).toBeLessThanOrEqual(kinds * (Math.ceil(outageMs / 10_000) + 1));
  expect(databaseLines).toBeLessThan(failed);
  expect(logLines().filter((line) => line.msg === 'unhandled error' && Date.parse(line.time as string) >= killedAt)).toEqual([]);
  process.stdout.write(`supervision: PostgreSQL killed → /ready 503 after ${notReadyAfterMs} ms; back after ${outageMs} ms; ${failed} requests answered 503, ${databaseLines} lines logged about it\n`);

  // Nothing acknowledged is lost; the worker bills again.
  expect(await invoiceCount(1)).toBe(1);
  expect(await invoiceCount(2)).toBe(1);
  await subscribeAndBill(3);
  await waitFor('the worker to be ready again', async () => ((await getJson(`http://127.0.0.1:${healthPort}/ready`)).status === 200 ? true : undefined), 120_000);

  // Ctrl-C: everything stops, nothing restarted.
  const stoppedAt = output.length;
  process.kill(-child.pid!, 'SIGINT');
  for (const closed of [port, temporalPort, uiPort, pgPort, healthPort]) {
    await waitFor(`port ${closed} to close`, async () => ((await isListening(closed)) ? undefined : true), 30_000);
  }
  await waitFor('npm start to exit', async () => (child!.exitCode !== null || child!.signalCode !== null ? true : undefined), 30_000);
  const restartsAfterStop = output.slice(stoppedAt).split('\n').filter((line) => line.includes('exited unexpectedly') || line.includes(' restarted'));
  expect(restartsAfterStop).toEqual([]);
}, 900_000);
