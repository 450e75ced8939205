/**
 * The README's start command for real: embedded Postgres, the Temporal dev server, migrations,
 * worker and API as child processes. A plan, a customer and a subscription go in over HTTP; the
 * first invoice comes out and the subscription's workflow is visible through the Temporal client.
 * The API key is shown once, by the start that created it; the next start shows its mask.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort, isListening, killGroupAndRemove, processGroupGone, waiter } from '../support/processes';

const ROOT = path.resolve(__dirname, '../..');

let child: ChildProcess | undefined;
let output = '';
const waitFor = waiter(() => output);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-e2e-'));

afterAll(() => killGroupAndRemove(child?.pid, dataDir));

it('npm start runs the whole product; a subscription made over HTTP is invoiced and its workflow is visible', async () => {
  fs.chmodSync(dataDir, 0o755);
  const [port, temporalPort, uiPort, pgPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port), TEMPORAL_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(uiPort), EMBEDDED_POSTGRES_PORT: String(pgPort),
    BILLOW_DATA_DIR: dataDir, LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  delete env.BILLOW_API_KEY;
  delete env.BILLOW_ENCRYPTION_KEY; // npm start generates one into the data directory
  const startBillow = () => {
    output = '';
    child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
  };
  startBillow();

  const apiKey = await waitFor('the start banner', async () => /API key\s+(\S+)/.exec(output)?.[1], 240_000);
  expect(apiKey).toMatch(/^blw_/);
  expect(output).toContain('shown once: store it now');
  expect(fs.statSync(path.join(dataDir, 'encryption-key')).mode & 0o777).toBe(0o600);
  expect(fs.existsSync(path.join(dataDir, 'api-key'))).toBe(false); // the key is kept nowhere in clear
  expect(output).toContain(`http://127.0.0.1:${uiPort}`);
  expect(output).toContain('curl -s -X POST');
  const base = `http://127.0.0.1:${port}/api/v1`;
  const call = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  expect((await fetch(`${base}/plans`)).status).toBe(401);
  expect((await call('POST', '/plans', { plan: { name: 'Starter', code: 'starter', interval: 'monthly', amount_cents: 1900, amount_currency: 'USD', pay_in_advance: true } })).status).toBe(200);
  expect((await call('POST', '/customers', { customer: { external_id: 'cus_1', currency: 'USD', timezone: 'UTC' } })).status).toBe(200);
  const created = await call('POST', '/subscriptions', { subscription: { external_customer_id: 'cus_1', plan_code: 'starter', external_id: 'sub_1', billing_time: 'anniversary' } });
  expect(created.status).toBe(200);
  expect(created.body.subscription).toMatchObject({ external_id: 'sub_1', status: 'active', plan_code: 'starter' });

  // An anniversary in-advance plan bills its first full month at once: 1900.
  const invoice = await waitFor('the first invoice', async () => {
    const list = await call('GET', '/invoices?external_customer_id=cus_1');
    return list.body.invoices?.[0];
  }, 60_000);
  expect(invoice).toMatchObject({ total_amount_cents: 1900, sequential_id: 1, invoice_type: 'subscription', status: 'finalized' });

  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  try {
    const client = new Client({ connection });
    const workflows = [];
    for await (const execution of client.workflow.list({ query: `WorkflowType = 'subscriptionWorkflow'` })) workflows.push(execution);
    expect(workflows.length).toBeGreaterThanOrEqual(1);
    const description = await client.workflow.getHandle(workflows[0]!.workflowId).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.workflowId).toMatch(/^subscription\/[0-9a-f-]+\/sub_1$/);
    expect(description.typedSearchAttributes.getAll().map((pair) => pair.key.name)).toEqual(
      expect.arrayContaining(['BillowCustomerId', 'BillowPlanCode', 'BillowSubscriptionStatus']),
    );
  } finally {
    await connection.close();
  }

  // Ctrl-C stops every child process: the API, Temporal (gRPC and UI) and Postgres all stop listening,
  // and no process of the product outlives it.
  const stopBillow = async () => {
    process.kill(-child!.pid!, 'SIGINT');
    for (const closedPort of [port, temporalPort, uiPort, pgPort]) {
      await waitFor(`port ${closedPort} to close`, async () => ((await isListening(closedPort)) ? undefined : true), 30_000);
    }
    await processGroupGone(child!.pid!, 60_000); // the supervisor gives each child 10 s before SIGKILL
  };
  await stopBillow();

  // The next start knows the key by its mask only, and it still opens the organization.
  startBillow();
  const shown = await waitFor('the second banner', async () => /API key\s+(\S+)/.exec(output)?.[1], 240_000);
  expect(shown).toBe(`blw_…${apiKey.slice(-4)}`);
  expect(output).not.toContain(apiKey);
  expect(output).toContain('npm run api-key -- create | list | revoke <id>');
  expect((await call('GET', '/invoices?external_customer_id=cus_1')).body.invoices).toHaveLength(1);
  await stopBillow();
}, 600_000); // two starts of the whole product

