/**
 * Webhooks end to end on the time-skipping server with the production retry policy: an event
 * recorded in a transaction is relayed to a `webhook/<event id>` workflow, delivered to a local
 * receiver that fails twice and then accepts, signed (HMAC and JWT, verified here), and every
 * attempt is in the delivery log. The invoice.created → PDF → invoice.generated chain runs too, and
 * so do explicit document requests: started once, even by a relay that dies before marking them.
 */
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHmac, createPublicKey, createVerify } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv } from '../support/temporal';
import { createPlainTestApi } from '../support/api';
import { recordingClient, startReceiver } from '../support/relay-doubles';
import { acmeCustomer, hybridInvoice1, hybridInvoice3 } from '../support/walkthrough-invoices';
import { seedCustomer, seedInvoice } from '../support/money';
import { createActivities } from '../../src/activities';
import { documentActivities } from '../../src/activities/documents';
import { webhookActivities } from '../../src/activities/webhooks';
import { relayDocumentRequests, relayOutbox, relayWebhookEvents, type RelayDeps } from '../../src/webhooks/relay';
import { recordWebhookEvent, requestDocument } from '../../src/webhooks/outbox';
import { ChromiumPdfRenderer } from '../../src/documents/pdf-renderer';
import { documentsTaskQueue } from '../../src/worker';
import { filesystemDocumentStore } from '../../src/documents/storage';
import { WEBHOOK_RETRY, WEBHOOK_RETRY_WINDOW } from '../../src/workflows/webhook';
import { organizationHmacKey, setWebhooksAllowPrivateAddresses } from '../../src/services/organizations';

const TASK_QUEUE = 'webhooks-test';
const PUBLIC_URL = 'http://billow.test';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  answered: number;
}

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;
let worker: Worker;
let running: Promise<void>;
let receiver: http.Server;
let baseUrl: string;
let renderer: ChromiumPdfRenderer;
let documentsDir: string;
const received: Received[] = [];
const failuresLeft = new Map<string, number>();

// The worker logs each failed attempt at WARN; the receivers here fail on purpose (78 times in one test).
const writeStderr = process.stderr.write.bind(process.stderr);
beforeAll(() => {
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    String(chunk).includes('WebhookDeliveryFailed') ? true : writeStderr(chunk, ...rest)) as typeof process.stderr.write;
});
afterAll(() => {
  process.stderr.write = writeStderr;
});

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Hooks Org');
  // The receiver listens on 127.0.0.1: a private address, reachable only when the organization says so.
  await setWebhooksAllowPrivateAddresses(database.db, api.organization.id, true);
  ({ server: receiver, baseUrl } = await startReceiver((request) => {
    // `/flaky/…` fails twice per webhook (unique key), then accepts; `/down` always fails.
    const key = `${request.path}|${String(request.headers['x-lago-unique-key'])}`;
    let status = 200;
    if (request.path.startsWith('/flaky')) {
      const left = failuresLeft.get(key) ?? 2;
      failuresLeft.set(key, left - 1);
      status = left > 0 ? 500 : 200;
    } else if (request.path === '/down') {
      status = 503;
    }
    received.push({ ...request, answered: status });
    return status;
  }));
  documentsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-webhook-docs-'));
  renderer = new ChromiumPdfRenderer({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', poolSize: 1 });
  const { db } = database;
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: { codePath: process.env.BILLOW_TEST_WORKFLOW_BUNDLE! },
    activities: {
      ...createActivities({ db }),
      ...documentActivities({ db, documents: { renderer, store: filesystemDocumentStore(documentsDir), publicUrl: PUBLIC_URL } }),
      ...webhookActivities({ db, webhookDelivery: { publicUrl: PUBLIC_URL, timeoutMs: 5_000 } }),
    },
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await renderer?.close();
  receiver?.close();
  if (documentsDir) fs.rmSync(documentsDir, { recursive: true, force: true });
  await database?.drop();
});

const relay = () => relayOutbox({ db: database.db, client: env.client, taskQueue: TASK_QUEUE });
const waitFor = (workflowId: string) => env.client.workflow.getHandle(workflowId).result();

async function endpoint(body: Record<string, unknown>): Promise<{ lago_id: string; webhook_url: string }> {
  return (await api.post('/webhook_endpoints', { webhook_endpoint: body }).expect(200)).body.webhook_endpoint;
}

function verifyJwt(token: string, publicKeyPem: string): { data: string; iss: string } {
  const [header, claims, signature] = token.split('.');
  expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
  const valid = createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(createPublicKey(publicKeyPem), Buffer.from(signature!, 'base64url'));
  expect(valid).toBe(true);
  return JSON.parse(Buffer.from(claims!, 'base64url').toString());
}

it('the production retry policy backs off from 30 s to 1 h for 3 days', () => {
  expect(WEBHOOK_RETRY).toEqual({ initialInterval: '30 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' });
  expect(WEBHOOK_RETRY_WINDOW).toBe('3 days');
});

it('invoice.created reaches a receiver that fails twice: delivered on the third attempt, signed, logged', async () => {
  const hmacEndpoint = await endpoint({ webhook_url: `${baseUrl}/flaky/hmac`, signature_algo: 'hmac', name: 'HMAC receiver' });
  const jwtEndpoint = await endpoint({ webhook_url: `${baseUrl}/flaky/jwt`, signature_algo: 'jwt', event_types: ['invoice.created', 'invoice.generated'] });
  await endpoint({ webhook_url: `${baseUrl}/ok/subscriptions`, event_types: ['subscription.started'] }); // not subscribed to invoices

  const customer = await acmeCustomer(database.db, api.organization);
  const invoice = await hybridInvoice1(database.db, api.organization, customer); // records invoice.created in its transaction
  const event = await database.db('webhook_events').where({ object_id: invoice.id, webhook_type: 'invoice.created' }).first();
  expect(event.dispatched_at).toBeNull();

  // Two rows relayed: the invoice.created event and the invoice's PDF request, both of its transaction.
  expect(await relay()).toBe(2);
  await waitFor(`webhook/${event.id}`); // time skips over the 30 s and 60 s backoffs

  const hmacCalls = received.filter((call) => call.path === '/flaky/hmac');
  const jwtCalls = received.filter((call) => call.path === '/flaky/jwt');
  expect(hmacCalls.map((call) => call.answered)).toEqual([500, 500, 200]);
  expect(jwtCalls.map((call) => call.answered)).toEqual([500, 500, 200]);
  expect(received.some((call) => call.path === '/ok/subscriptions')).toBe(false);

  // The payload: Lago's envelope around the invoice as GET /invoices/:id shows it.
  const accepted = hmacCalls[2]!;
  const payload = JSON.parse(accepted.body);
  expect(payload).toMatchObject({ webhook_type: 'invoice.created', object_type: 'invoice', organization_id: api.organization.id });
  expect(payload.invoice).toMatchObject({ lago_id: invoice.id, number: invoice.number, total_amount_cents: 13500, taxes_amount_cents: 1500, currency: 'USD' });
  expect(payload.invoice.fees).toHaveLength(1);

  // HMAC: base64(HMAC-SHA256(organization.hmac_key, body)).
  expect(accepted.headers['x-lago-signature-algorithm']).toBe('hmac');
  const hmacKey = await organizationHmacKey(database.db, api.organization.id);
  expect(accepted.headers['x-lago-signature']).toBe(createHmac('sha256', hmacKey).update(accepted.body).digest('base64'));
  // Every attempt carries the same unique key, the receiver's idempotency key.
  expect(new Set(hmacCalls.map((call) => call.headers['x-lago-unique-key'])).size).toBe(1);

  // JWT: RS256 over {data: body, iss: public URL}, verified with the published key.
  const published = (await api.get('/webhooks/json_public_key').expect(200)).body.webhook.public_key;
  const pem = Buffer.from(published, 'base64').toString();
  const jwtAccepted = jwtCalls[2]!;
  expect(jwtAccepted.headers['x-lago-signature-algorithm']).toBe('jwt');
  const claims = verifyJwt(String(jwtAccepted.headers['x-lago-signature']), pem);
  expect(claims).toEqual({ data: jwtAccepted.body, iss: PUBLIC_URL });
  expect(JSON.parse(claims.data).invoice.lago_id).toBe(invoice.id);
  // The legacy endpoint publishes the same key as text.
  expect((await api.get('/webhooks/public_key').expect(200)).text).toBe(published);

  // The delivery log: three attempts per endpoint.
  const log = (await api.get(`/webhook_endpoints/${hmacEndpoint.lago_id}/deliveries`).expect(200)).body;
  expect(log.meta.total_count).toBe(3);
  expect(log.webhook_deliveries.map((d: { attempt: number; http_status: number; error: string | null; trigger: string }) => [d.attempt, d.http_status, d.error, d.trigger]))
    .toEqual([[3, 200, null, 'automatic'], [2, 500, 'HTTP 500', 'automatic'], [1, 500, 'HTTP 500', 'automatic']]);
  // invoice.generated may be listed too: the PDF rendered meanwhile records it with its deliveries.
  const webhooks = (await api.get(`/webhooks?webhook_endpoint_id=${jwtEndpoint.lago_id}`).expect(200)).body.webhooks
    .filter((webhook: { webhook_type: string }) => webhook.webhook_type === 'invoice.created');
  expect(webhooks).toHaveLength(1);
  expect(webhooks[0]).toMatchObject({ webhook_type: 'invoice.created', status: 'succeeded', attempts: 3, retries: 2, http_status: 200, last_error: null });
  const detail = (await api.get(`/webhooks/${webhooks[0].lago_id}`).expect(200)).body.webhook;
  expect(detail.payload.invoice.lago_id).toBe(invoice.id);
  expect(detail.deliveries.map((d: { http_status: number }) => d.http_status)).toEqual([500, 500, 200]);
  expect((await database.db('webhook_events').where({ id: event.id }).first()).dispatched_at).not.toBeNull();
});

it('the relay also renders the PDF; invoice.generated follows with file_url', async () => {
  const invoice = await database.db('invoices').where({ organization_id: api.organization.id }).first();
  // The first relay started document/invoice/<id> for the invoice's PDF request.
  await waitFor(`document/invoice/${invoice.id}`);
  const generated = await database.db('webhook_events').where({ object_id: invoice.id, webhook_type: 'invoice.generated' }).first();
  expect(generated).toBeDefined();
  expect(await relay()).toBe(1);
  await waitFor(`webhook/${generated.id}`);
  const calls = received.filter((call) => JSON.parse(call.body).webhook_type === 'invoice.generated');
  // Both invoice endpoints get it (the JWT one lists invoice.generated); each fails twice first.
  expect(calls.filter((call) => call.answered === 200).map((call) => call.path).sort()).toEqual(['/flaky/hmac', '/flaky/jwt']);
  expect(JSON.parse(calls.find((call) => call.answered === 200)!.body).invoice.file_url).toBe(`${PUBLIC_URL}/api/v1/invoices/${invoice.id}/pdf`);
  expect(fs.existsSync(path.join(documentsDir, `invoices/${api.organization.id}/${invoice.id}.pdf`))).toBe(true);
});

it('a receiver down for good: retried for more than a day, then failed; a manual retry delivers it', async () => {
  const down = await endpoint({ webhook_url: `${baseUrl}/down`, signature_algo: 'hmac', event_types: ['customer.created'] });
  const eventId = await database.db.transaction((trx) => recordWebhookEvent(trx, {
    organizationId: api.organization.id, webhookType: 'customer.created', objectType: 'customer', object: { lago_id: 'c1', external_id: 'down-test' },
  }));
  const before = await env.currentTimeMs();
  await relay();
  await waitFor(`webhook/${eventId}`);
  const elapsedHours = (await env.currentTimeMs() - before) / 3_600_000;
  const [webhook] = (await api.get(`/webhooks?status=failed&webhook_endpoint_id=${down.lago_id}`).expect(200)).body.webhooks;
  expect(webhook).toMatchObject({ status: 'failed', http_status: 503, last_error: 'HTTP 503' });
  // 30 s, 1, 2, 4, 8, 16, 32 min (≈ 1.06 h in all), then hourly: the 31st attempt comes after more than 24 h.
  expect(webhook.attempts).toBeGreaterThanOrEqual(31);
  expect(elapsedHours).toBeGreaterThan(24);

  // Fixed receiver: a manual retry is one more attempt, now.
  await api.put(`/webhook_endpoints/${down.lago_id}`, { webhook_endpoint: { webhook_url: `${baseUrl}/ok/fixed` } }).expect(200);
  const retried = (await api.post(`/webhooks/${webhook.lago_id}/retry`, {}).expect(200)).body.webhook;
  expect(retried).toMatchObject({ status: 'succeeded', attempts: webhook.attempts + 1, http_status: 200 });
  expect(retried.deliveries.at(-1)).toMatchObject({ attempt: webhook.attempts + 1, trigger: 'manual', http_status: 200 });
  expect(received.filter((call) => call.path === '/ok/fixed')).toHaveLength(1);
});

it('an event commits with one pending delivery per subscribed endpoint, before any relay runs', async () => {
  // The delivery workflow reads these rows on its first attempt: written by the relay inside its own
  // uncommitted transaction, they were invisible to it, and every first attempt failed (30 s lost).
  const subscribed = await endpoint({ webhook_url: `${baseUrl}/ok/subscribed`, signature_algo: 'hmac', event_types: ['invoice.voided'] });
  await endpoint({ webhook_url: `${baseUrl}/ok/other`, signature_algo: 'hmac', event_types: ['customer.created'] });
  const eventId = await database.db.transaction((trx) =>
    recordWebhookEvent(trx, { organizationId: api.organization.id, webhookType: 'invoice.voided', objectType: 'invoice', object: { lago_id: 'voided-1' } }));
  const rows = await database.db('webhooks').where({ event_id: eventId });
  // Endpoints subscribed to every type (event_types null) from earlier tests get it too; the customer.created one does not.
  const all = await database.db('webhook_endpoints').where({ organization_id: api.organization.id });
  const expected = all.filter((row: { event_types: string[] | null }) => row.event_types === null || row.event_types.includes('invoice.voided'));
  expect(rows.map((row: { endpoint_id: string }) => row.endpoint_id).sort()).toEqual(expected.map((row: { id: string }) => row.id).sort());
  expect(rows.map((row: { endpoint_id: string }) => row.endpoint_id)).toContain(subscribed.lago_id);
  expect(rows.every((row: { status: string; attempts: number }) => row.status === 'pending' && row.attempts === 0)).toBe(true);
  expect(await database.db('webhook_events').where({ id: eventId }).first()).toMatchObject({ dispatched_at: null });
  // Relayed, it is delivered to the subscribed endpoint on the first attempt.
  expect(await relay()).toBe(1);
  await waitFor(`webhook/${eventId}`);
  expect(await database.db('webhooks').where({ event_id: eventId, endpoint_id: subscribed.lago_id }).first()).toMatchObject({ status: 'succeeded', attempts: 1 });
});

it('an event recorded in a rolled-back transaction does not exist', async () => {
  const count = async () => Number((await database.db('webhook_events').count({ n: '*' }))[0]!.n);
  const before = await count();
  await expect(database.db.transaction(async (trx) => {
    await recordWebhookEvent(trx, { organizationId: api.organization.id, webhookType: 'invoice.voided', objectType: 'invoice', object: { lago_id: 'x' } });
    throw new Error('the change failed');
  })).rejects.toThrow('the change failed');
  expect(await count()).toBe(before);
  expect(await relay()).toBe(0);
});

describe('document requests', () => {
  const recording = (started: string[], options: { dieAfterStart?: boolean } = {}) => recordingClient(env.client, started, options);
  const relayDocuments = (client: RelayDeps['client']) => relayDocumentRequests({ db: database.db, client, taskQueue: TASK_QUEUE });
  const requestOf = async (documentId: string) => database.db('document_requests').where({ document_id: documentId }).first();
  const pdfOf = (organizationId: string, invoiceId: string) => path.join(documentsDir, `invoices/${organizationId}/${invoiceId}.pdf`);

  // An organization without endpoints: its invoices send no webhooks, only documents are at stake.
  let organization: Awaited<ReturnType<typeof createTestOrganization>>['organization'];
  beforeAll(async () => {
    ({ organization } = await createTestOrganization(database.db, 'Documents Org'));
  });

  it('a committed request starts the document workflow once', async () => {
    const invoice = await hybridInvoice1(database.db, organization, await acmeCustomer(database.db, organization));
    const request = { organizationId: organization.id, documentType: 'invoice' as const, id: invoice.id };
    await database.db.transaction((trx) => requestDocument(trx, request));
    const started: string[] = [];
    expect(await relayDocuments(recording(started))).toBe(1);
    await waitFor(`document/invoice/${invoice.id}`);
    expect(fs.existsSync(pdfOf(organization.id, invoice.id))).toBe(true);
    expect((await requestOf(invoice.id)).dispatched_at).not.toBeNull();

    expect(await relayDocuments(recording(started))).toBe(0);
    // The legacy trigger (its invoice.created, relayed now) asks for the same document: nothing more starts.
    await relayOutbox({ db: database.db, client: recording(started), taskQueue: TASK_QUEUE });
    expect(started).toEqual([`document/invoice/${invoice.id}`]);
  });

  it('a request in a rolled-back transaction starts nothing', async () => {
    const invoice = await hybridInvoice1(database.db, organization, await acmeCustomer(database.db, organization), 'draft');
    await expect(database.db.transaction(async (trx) => {
      await requestDocument(trx, { organizationId: organization.id, documentType: 'invoice', id: invoice.id });
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    expect(await requestOf(invoice.id)).toBeUndefined();
    const started: string[] = [];
    expect(await relayDocuments(recording(started))).toBe(0);
    expect(started).toEqual([]);
  });

  it('a relay that dies between the start and the mark starts nothing twice', async () => {
    const invoice = await hybridInvoice3(database.db, organization, await acmeCustomer(database.db, organization));
    const workflowId = `document/invoice/${invoice.id}`;
    await database.db.transaction((trx) => requestDocument(trx, { organizationId: organization.id, documentType: 'invoice', id: invoice.id }));
    const started: string[] = [];
    await expect(relayDocuments(recording(started, { dieAfterStart: true }))).rejects.toThrow('relay died before marking');
    expect(started).toEqual([workflowId]);
    expect((await requestOf(invoice.id)).dispatched_at).toBeNull(); // the mark died with the relay
    await waitFor(workflowId); // the run it started renders the PDF
    const firstRun = (await env.client.workflow.getHandle(workflowId).describe()).runId;

    expect(await relayDocuments(recording(started))).toBe(1); // the next relay takes the request again…
    expect(started).toEqual([workflowId]); // …and starts nothing: that workflow id ran already
    expect((await requestOf(invoice.id)).dispatched_at).not.toBeNull();
    expect((await env.client.workflow.getHandle(workflowId).describe()).runId).toBe(firstRun);
    expect(fs.existsSync(pdfOf(organization.id, invoice.id))).toBe(true);
  });
});

describe('a burst (a close): one workflow for the claim instead of one per row', () => {
  type Start = RelayDeps['client']['workflow']['start'];
  const recording = (started: string[]): RelayDeps['client'] => ({
    workflow: {
      start: (async (...args: Parameters<Start>) => {
        const handle = await env.client.workflow.start(...args);
        started.push(handle.workflowId);
        return handle;
      }) as Start,
    },
  });

  it('twelve webhook events relayed together: one webhooks/<digest> workflow delivers each of them once', async () => {
    const burst = await endpoint({ webhook_url: `${baseUrl}/ok/burst`, event_types: ['credit_note.created'] });
    await relay(); // whatever earlier tests left pending goes first, on its own
    const objects = Array.from({ length: 12 }, (_, i) => ({ lago_id: `burst-note-${i}` }));
    await database.db.transaction(async (trx) => {
      for (const object of objects) {
        await recordWebhookEvent(trx, { organizationId: api.organization.id, webhookType: 'credit_note.created', objectType: 'credit_note', object });
      }
    });
    const started: string[] = [];
    expect(await relayWebhookEvents({ db: database.db, client: recording(started), taskQueue: TASK_QUEUE })).toBe(12);
    expect(started).toHaveLength(1);
    expect(started[0]).toMatch(/^webhooks\/[0-9a-f]{32}$/);
    await waitFor(started[0]!);
    const calls = received.filter((call) => call.path === '/ok/burst');
    // Each event once, each answered 200.
    expect(calls.map((call) => JSON.parse(call.body).credit_note.lago_id).sort()).toEqual(objects.map((object) => object.lago_id).sort());
    expect(calls.every((call) => call.answered === 200)).toBe(true);
    const events = await database.db('webhook_events').where({ organization_id: api.organization.id, webhook_type: 'credit_note.created' }).select('id');
    const statuses = await database.db('webhooks').where({ endpoint_id: burst.lago_id }).whereIn('event_id', events.map((event: { id: string }) => event.id)).select('status');
    expect(statuses.map((row: { status: string }) => row.status)).toEqual(Array(12).fill('succeeded'));
    expect(await relayWebhookEvents({ db: database.db, client: recording(started), taskQueue: TASK_QUEUE })).toBe(0);
  });

  it('twelve document requests relayed together: one documents/<digest> workflow renders every PDF', async () => {
    const { organization } = await createTestOrganization(database.db, 'Burst Documents Org');
    const invoices: { id: string }[] = [];
    for (let i = 0; i < 12; i += 1) {
      const customer = await seedCustomer(database.db, organization.id, `burst-${i}`);
      invoices.push((await seedInvoice(database.db, organization, customer, { fees: [{ amountCents: 1000n + BigInt(i) }] })).invoice);
    }
    await relay(); // the seeded invoices' own PDF requests, with anything left before them
    // The same twelve asked again by explicit requests: a burst of its own.
    await database.db('document_requests').whereIn('document_id', invoices.map((invoice) => invoice.id)).delete();
    await database.db('invoices').whereIn('id', invoices.map((invoice) => invoice.id)).update({ file_path: null });
    await database.db.transaction(async (trx) => {
      for (const invoice of invoices) await requestDocument(trx, { organizationId: organization.id, documentType: 'invoice', id: invoice.id });
    });
    const started: string[] = [];
    expect(await relayDocumentRequests({ db: database.db, client: recording(started), taskQueue: TASK_QUEUE })).toBe(12);
    expect(started).toHaveLength(1);
    expect(started[0]).toMatch(/^documents\/[0-9a-f]{32}$/);
    await waitFor(started[0]!);
    const rendered = await database.db('invoices').whereIn('id', invoices.map((invoice) => invoice.id)).whereNotNull('file_path').count({ n: '*' });
    expect(Number(rendered[0]!.n)).toBe(12);
  }, 180_000);

  it("with the workers' documents queue, the renderings run there, served by an activity-only worker (a burst and a single one)", async () => {
    const documentsQueue = documentsTaskQueue(TASK_QUEUE);
    const documentsWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: documentsQueue,
      activities: documentActivities({ db: database.db, documents: { renderer, store: filesystemDocumentStore(documentsDir), publicUrl: PUBLIC_URL } }),
      maxConcurrentActivityTaskExecutions: 2,
    });
    const serving = documentsWorker.run();
    try {
      const { organization } = await createTestOrganization(database.db, 'Documents Queue Org');
      const invoices: { id: string }[] = [];
      for (let i = 0; i < 11; i += 1) {
        const customer = await seedCustomer(database.db, organization.id, `queue-${i}`);
        invoices.push((await seedInvoice(database.db, organization, customer, { fees: [{ amountCents: 2000n + BigInt(i) }] })).invoice);
      }
      await relay(); // the seeded invoices' own requests (and anything left before them), on the workflows' queue
      await database.db('document_requests').whereIn('document_id', invoices.map((invoice) => invoice.id)).delete();
      await database.db('invoices').whereIn('id', invoices.map((invoice) => invoice.id)).update({ file_path: null });
      const ask = (ids: { id: string }[]) => database.db.transaction(async (trx) => {
        for (const invoice of ids) await requestDocument(trx, { organizationId: organization.id, documentType: 'invoice', id: invoice.id });
      });
      const relayToQueue = (started: string[]) =>
        relayDocumentRequests({ db: database.db, client: recording(started), taskQueue: TASK_QUEUE, documentsTaskQueue: documentsQueue });
      const started: string[] = [];
      await ask(invoices.slice(0, 10));
      expect(await relayToQueue(started)).toBe(10); // a burst: documents/<digest>
      await ask(invoices.slice(10));
      expect(await relayToQueue(started)).toBe(1); // alone: document/invoice/<id>
      expect(started).toEqual([expect.stringMatching(/^documents\/[0-9a-f]{32}$/), `document/invoice/${invoices[10]!.id}`]);
      for (const workflowId of started) {
        await waitFor(workflowId);
        const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
        const scheduled = (events ?? []).flatMap((event) => {
          const attributes = event.activityTaskScheduledEventAttributes;
          return attributes ? [`${attributes.activityType?.name} on ${attributes.taskQueue?.name}`] : [];
        });
        // A burst's ten renderings are one activity; a single document is one too.
        expect(scheduled).toEqual([`${workflowId.startsWith('documents/') ? 'generateDocuments' : 'generateDocument'} on ${documentsQueue}`]);
      }
      const rendered = await database.db('invoices').whereIn('id', invoices.map((invoice) => invoice.id)).whereNotNull('file_path').count({ n: '*' });
      expect(Number(rendered[0]!.n)).toBe(11);
    } finally {
      documentsWorker.shutdown();
      await serving;
    }
  }, 180_000);
});
