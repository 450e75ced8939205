/**
 * No secret in any log line: the production `api` and `worker` processes (src/cli.ts), at the most
 * verbose log level, serve a few requests and deliver webhooks (HMAC and JWT, a failure and a
 * retry, a manual retry through the API) with a known API key, HMAC key, encryption key and
 * signing key, and an endpoint URL that carries credentials and a token; Stripe is connected through
 * the API with a known secret key and signing secret, and a forged Stripe webhook is refused. Then everything both
 * processes wrote is searched for each secret.
 */
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv } from '../support/temporal';
import { organizationHmacKey, setWebhooksAllowPrivateAddresses } from '../../src/services/organizations';
import { recordWebhookEvent } from '../../src/webhooks/outbox';
import { webhookSigningKey } from '../../src/webhooks/signing';
import { freePort, waiter } from '../support/processes';

const ROOT = path.resolve(__dirname, '../..');

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let receiver: http.Server;
const children: ChildProcess[] = [];
let output = '';
const waitFor = waiter(() => output);
const received: { url: string; status: number }[] = [];

function start(role: 'api' | 'worker', environment: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), role], { cwd: ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  children.push(child);
  return child;
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  receiver?.close();
  await env?.teardown();
  await database?.drop();
});

it('the API and a worker log no API key, HMAC key, encryption key, signing key or URL credential', async () => {
  database = await createTestDatabase();
  env = await createTimeSkippingEnv();
  const { organization, apiKey } = await createTestOrganization(database.db, 'Logs Org');
  await setWebhooksAllowPrivateAddresses(database.db, organization.id, true);
  const hmacKey = await organizationHmacKey(database.db, organization.id);
  const signingKey = await webhookSigningKey(database.db);

  // First answers 500 to each webhook, then 200.
  const seen = new Set<string>();
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = String(req.headers['x-lago-unique-key']);
      const status = seen.has(key) ? 200 : 500;
      seen.add(key);
      received.push({ url: req.url!, status });
      res.writeHead(status).end(status === 200 ? 'ok' : 'not yet');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverPort = (receiver.address() as net.AddressInfo).port;

  const port = await freePort();
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url, TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: 'secrets-in-logs', PORT: String(port), HOST: '127.0.0.1',
    LOG_LEVEL: 'trace', BILLOW_SANDBOX: '0', BILLOW_RATE_LIMIT: '1000', NODE_ENV: 'production',
  };
  start('worker', environment);
  start('api', environment);
  const base = `http://127.0.0.1:${port}/api/v1`;
  const call = (method: string, route: string, body?: unknown, key = apiKey) => fetch(`${base}${route}`, {
    method, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  await waitFor('the API', async () => ((await call('GET', '/taxes')).status === 200 ? true : undefined), 120_000);

  // A few requests, good and bad.
  expect((await call('POST', '/taxes', { tax: { name: 'VAT', code: 'vat', rate: '20' } })).status).toBe(200);
  expect((await call('GET', '/taxes', undefined, `${apiKey}x`)).status).toBe(401);
  expect((await call('POST', '/taxes', { tax: { name: 'VAT', code: 'vat', rate: 'twenty' } })).status).toBe(422);
  // Stripe connected through the API (issue 14): its secret key and signing secret are stored sealed, answered masked, never logged.
  const stripeKey = 'sk_test_logsStripeSecretKey7788';
  const stripeSigningSecret = 'whsec_logsStripeSigningSecret5566';
  const connected = await call('PUT', '/payment_providers/stripe', { payment_provider: { secret_key: stripeKey, webhook_secret: stripeSigningSecret } });
  expect(connected.status).toBe(200);
  expect(await connected.text()).not.toContain('logsStripeSecretKey');
  expect((await call('GET', '/payment_providers/stripe')).status).toBe(200);
  expect((await call('PUT', '/payment_providers/stripe', { payment_provider: { secret_key: `${stripeKey}!`, webhook_secret: stripeSigningSecret } })).status).toBe(422);
  const forged = await fetch(`http://127.0.0.1:${port}/webhooks/stripe/${organization.id}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': `t=1,v1=${'0'.repeat(64)}` }, body: JSON.stringify({ id: 'evt_logs', type: 'payment_intent.succeeded' }),
  });
  expect(forged.status).toBe(400);
  const secretUrl = `http://hook-user:pa55-w0rd-in-url@127.0.0.1:${receiverPort}/hook?token=t0ken-in-query`;
  const hmacEndpoint = (await (await call('POST', '/webhook_endpoints', { webhook_endpoint: { webhook_url: secretUrl, signature_algo: 'hmac', event_types: ['customer.created'] } })).json()) as { webhook_endpoint: { webhook_url: string } };
  expect(hmacEndpoint.webhook_endpoint.webhook_url).toBe(secretUrl); // the organization's own data, answered to it
  await call('POST', '/webhook_endpoints', { webhook_endpoint: { webhook_url: `http://127.0.0.1:${receiverPort}/jwt`, signature_algo: 'jwt', event_types: ['customer.created'] } });

  // Two events through the outbox: the worker's relay starts their workflows, each webhook fails once then succeeds.
  for (const id of ['c1', 'c2']) {
    await database.db.transaction((trx) => recordWebhookEvent(trx, {
      organizationId: organization.id, webhookType: 'customer.created', objectType: 'customer', object: { lago_id: id, external_id: id },
    }));
  }
  await waitFor('4 webhooks delivered', async () => {
    const done = ((await (await call('GET', '/webhooks?status=succeeded')).json()) as { webhooks: unknown[] }).webhooks;
    return done.length === 4 ? done : undefined;
  }, 150_000);
  // A manual retry, delivered from the API process.
  const [one] = ((await (await call('GET', '/webhooks?status=succeeded')).json()) as { webhooks: { lago_id: string }[] }).webhooks;
  expect((await call('POST', `/webhooks/${one!.lago_id}/retry`, {})).status).toBe(200);
  expect(received.filter((r) => r.status === 500)).toHaveLength(4);
  expect(received.filter((r) => r.status === 200)).toHaveLength(5);

  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null)));

  // The logs are there (this is not a test of an empty string) and mention the deliveries.
  expect(output).toContain('"msg":"webhook delivered"');
  expect(output).toContain('"msg":"webhook delivery failed"');
  expect(output).toContain('"msg":"request"');
  expect(output).toContain(`"endpoint":"http://127.0.0.1:${receiverPort}/hook"`); // no credentials, no query
  const secrets: Record<string, string> = {
    'API key': apiKey,
    'HMAC key': hmacKey,
    'encryption key': process.env.BILLOW_ENCRYPTION_KEY!,
    'signing key (a line of its PEM)': signingKey.privateKey.split('\n')[5]!,
    'password in the endpoint URL': 'pa55-w0rd-in-url',
    'token in the endpoint URL': 't0ken-in-query',
    'Stripe secret key': 'logsStripeSecretKey7788',
    'Stripe webhook signing secret': 'logsStripeSigningSecret5566',
  };
  for (const [name, secret] of Object.entries(secrets)) {
    expect(secret.length).toBeGreaterThan(8);
    expect({ name, found: output.includes(secret) }).toEqual({ name, found: false });
  }
});
