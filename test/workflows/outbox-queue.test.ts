/**
 * The outbox queue: with `outboxTaskQueue`, the relay starts the webhook and document workflows (a
 * burst's batch and a single row's) on `<queue>-outbox`, and they run to the end with no worker on
 * the main queue at all: only the outbox worker of src/worker.ts (the workflow bundle and the
 * activities, so the webhook deliveries run there too) and an activity-only worker on the documents
 * queue for the renderings. Payment and overdue workflows stay on the main queue, and without
 * `outboxTaskQueue` everything is started on the main queue as before.
 */
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { createDb } from '../../src/db/knex';
import { createTimeSkippingEnv } from '../support/temporal';
import { createPlainTestApi } from '../support/api';
import { recordingClient, startReceiver } from '../support/relay-doubles';
import { seedCustomer, seedInvoice } from '../support/money';
import { documentActivities } from '../../src/activities/documents';
import { relayDocumentRequests, relayOutbox, relayWebhookEvents, relayWorkflowRequests, type RelayDeps } from '../../src/webhooks/relay';
import { recordWebhookEvent, requestCollection, requestDocument, requestOverdueSweep } from '../../src/webhooks/outbox';
import { ChromiumPdfRenderer } from '../../src/documents/pdf-renderer';
import { filesystemDocumentStore } from '../../src/documents/storage';
import { createOutboxWorker, documentsTaskQueue, outboxTaskQueue } from '../../src/worker';
import { setWebhooksAllowPrivateAddresses } from '../../src/services/organizations';

const TASK_QUEUE = 'outbox-queue-test';
const OUTBOX_QUEUE = 'outbox-queue-test-outbox'; // outboxTaskQueue(TASK_QUEUE), spelled out
const DOCUMENTS_QUEUE = 'outbox-queue-test-documents';

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;
let outboxWorker: Worker;
let documentsWorker: Worker;
let serving: Promise<unknown>;
let receiver: http.Server;
let baseUrl: string;
let renderer: ChromiumPdfRenderer;
let documentsDir: string;
const received: { path: string; body: string }[] = [];

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Outbox Queue Org');
  // The receiver listens on 127.0.0.1: a private address, reachable only when the organization says so.
  await setWebhooksAllowPrivateAddresses(database.db, api.organization.id, true);
  ({ server: receiver, baseUrl } = await startReceiver((request) => {
    received.push(request);
    return 200;
  }));
  documentsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-outbox-docs-'));
  renderer = new ChromiumPdfRenderer({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', poolSize: 1 });
  // No worker polls TASK_QUEUE: whatever runs here ran on the outbox or the documents queue.
  outboxWorker = await createOutboxWorker({
    connection: env.nativeConnection, db: database.db, namespace: env.namespace ?? 'default', taskQueue: TASK_QUEUE,
    workflowBundle: { codePath: process.env.BILLOW_TEST_WORKFLOW_BUNDLE! },
  });
  documentsWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: documentsTaskQueue(TASK_QUEUE),
    activities: documentActivities({ db: database.db, documents: { renderer, store: filesystemDocumentStore(documentsDir), publicUrl: 'http://billow.test' } }),
    maxConcurrentActivityTaskExecutions: 2,
  });
  serving = Promise.all([outboxWorker.run(), documentsWorker.run()]);
});

afterAll(async () => {
  outboxWorker?.shutdown();
  documentsWorker?.shutdown();
  await serving;
  await env?.teardown();
  await renderer?.close();
  receiver?.close();
  if (documentsDir) fs.rmSync(documentsDir, { recursive: true, force: true });
  await database?.drop();
});

const recording = (started: string[]) => recordingClient(env.client, started);
const outboxDeps = (started: string[]): RelayDeps => ({
  db: database.db, client: recording(started), taskQueue: TASK_QUEUE,
  outboxTaskQueue: outboxTaskQueue(TASK_QUEUE), documentsTaskQueue: documentsTaskQueue(TASK_QUEUE),
});
const describeQueue = async (workflowId: string) => (await env.client.workflow.getHandle(workflowId).describe()).taskQueue;
/** The activities a (finished) workflow scheduled, in order: `<type> on <queue>`. */
async function activityQueues(workflowId: string): Promise<string[]> {
  const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).flatMap((event) => {
    const attributes = event.activityTaskScheduledEventAttributes;
    return attributes ? [`${attributes.activityType?.name} on ${attributes.taskQueue?.name}`] : [];
  });
}

it("the queues' names, and the outbox worker's own small cache", () => {
  expect(outboxTaskQueue(TASK_QUEUE)).toBe(OUTBOX_QUEUE);
  expect(documentsTaskQueue(TASK_QUEUE)).toBe(DOCUMENTS_QUEUE);
  expect(outboxWorker.options.taskQueue).toBe(OUTBOX_QUEUE);
  expect(outboxWorker.options.maxCachedWorkflows).toBe(100);
});

it('webhook events, a burst of 12 and a single one: started on the outbox queue, delivered by the outbox worker alone', async () => {
  await endpointFor('credit_note.created', '/notes');
  await relayOutbox({ db: database.db, client: recording([]), taskQueue: TASK_QUEUE, outboxTaskQueue: OUTBOX_QUEUE }); // anything left before, on its own
  const record = (ids: string[]) => database.db.transaction(async (trx) => {
    for (const id of ids) await recordWebhookEvent(trx, { organizationId: api.organization.id, webhookType: 'credit_note.created', objectType: 'credit_note', object: { lago_id: id } });
  });
  const burst = Array.from({ length: 12 }, (_, i) => `outbox-note-${i}`);
  const started: string[] = [];
  await record(burst);
  expect(await relayWebhookEvents(outboxDeps(started))).toBe(12); // ≥ BURST (10): one webhooks/<digest>
  await record(['outbox-note-single']);
  expect(await relayWebhookEvents(outboxDeps(started))).toBe(1); // alone: webhook/<event id>
  const single = await database.db('webhook_events').where({ object_id: 'outbox-note-single' }).first();
  expect(started).toEqual([expect.stringMatching(/^webhooks\/[0-9a-f]{32}$/), `webhook/${single.id}`]);

  for (const workflowId of started) expect(await describeQueue(workflowId)).toBe(OUTBOX_QUEUE);
  for (const workflowId of started) await env.client.workflow.getHandle(workflowId).result();
  // On the workflow's own queue: the burst's twelve first attempts in one activity (all succeed), then the single event's delivery.
  expect(await activityQueues(started[0]!)).toEqual([`deliverWebhooksOnce on ${OUTBOX_QUEUE}`]);
  expect(await activityQueues(started[1]!)).toEqual([`deliverWebhook on ${OUTBOX_QUEUE}`]);
  const delivered = received.filter((call) => call.path === '/notes').map((call) => JSON.parse(call.body).credit_note.lago_id as string);
  expect(delivered.sort()).toEqual([...burst, 'outbox-note-single'].sort());
  const statuses = await database.db('webhooks').join('webhook_events', 'webhook_events.id', 'webhooks.event_id')
    .where('webhook_events.webhook_type', 'credit_note.created').select('webhooks.status');
  expect(statuses.map((row: { status: string }) => row.status)).toEqual(Array(13).fill('succeeded'));
});

it("a webhook is delivered while every connection of the main pool is held (a close's activities): the outbox worker has a pool of its own", async () => {
  await endpointFor('credit_note.generated', '/held');
  // The main pool (database.db, 10 connections) all held in open transactions; the event is recorded and relayed on another pool.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  let begun = 0;
  const held = Array.from({ length: 10 }, () => database.db.transaction(async (trx) => {
    await trx.raw('select 1');
    begun += 1;
    await gate;
  }));
  const other = createDb(database.url, { max: 2 });
  try {
    while (begun < 10) await new Promise((resolve) => setTimeout(resolve, 10));
    await relayOutbox({ db: other, client: recording([]), taskQueue: TASK_QUEUE, outboxTaskQueue: OUTBOX_QUEUE }); // anything left before, on its own
    await other.transaction((trx) => recordWebhookEvent(trx, { organizationId: api.organization.id, webhookType: 'credit_note.generated', objectType: 'credit_note', object: { lago_id: 'held-note' } }));
    const started: string[] = [];
    expect(await relayWebhookEvents({ db: other, client: recording(started), taskQueue: TASK_QUEUE, outboxTaskQueue: OUTBOX_QUEUE })).toBe(1);
    const began = Date.now();
    await env.client.workflow.getHandle(started[0]!).result();
    // On the main pool the delivery's first statement would have waited for the held connections (knex's 60 s, then a retry).
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(received.filter((call) => call.path === '/held').map((call) => JSON.parse(call.body).credit_note.lago_id)).toEqual(['held-note']);
  } finally {
    release();
    await Promise.all(held);
    await other.destroy();
  }
});

it('document requests, a burst of 10 and a single one: started on the outbox queue, rendered on the documents queue, stored', async () => {
  const { organization } = await createTestOrganization(database.db, 'Outbox Documents Org');
  const invoices: { id: string }[] = [];
  for (let i = 0; i < 11; i += 1) {
    const customer = await seedCustomer(database.db, organization.id, `outbox-${i}`);
    invoices.push((await seedInvoice(database.db, organization, customer, { fees: [{ amountCents: 3000n + BigInt(i) }] })).invoice);
  }
  await relayDocumentRequests(outboxDeps([])); // the seeded invoices' own requests, and anything left before them
  await database.db('document_requests').whereIn('document_id', invoices.map((invoice) => invoice.id)).delete();
  await database.db('invoices').whereIn('id', invoices.map((invoice) => invoice.id)).update({ file_path: null });
  const ask = (ids: { id: string }[]) => database.db.transaction(async (trx) => {
    for (const invoice of ids) await requestDocument(trx, { organizationId: organization.id, documentType: 'invoice', id: invoice.id });
  });
  const started: string[] = [];
  await ask(invoices.slice(0, 10));
  expect(await relayDocumentRequests(outboxDeps(started))).toBe(10); // a burst: documents/<digest>
  await ask(invoices.slice(10));
  expect(await relayDocumentRequests(outboxDeps(started))).toBe(1); // alone: document/invoice/<id>
  expect(started).toEqual([expect.stringMatching(/^documents\/[0-9a-f]{32}$/), `document/invoice/${invoices[10]!.id}`]);

  for (const workflowId of started) expect(await describeQueue(workflowId)).toBe(OUTBOX_QUEUE);
  for (const workflowId of started) await env.client.workflow.getHandle(workflowId).result();
  expect(await activityQueues(started[0]!)).toEqual([`generateDocuments on ${DOCUMENTS_QUEUE}`]);
  expect(await activityQueues(started[1]!)).toEqual([`generateDocument on ${DOCUMENTS_QUEUE}`]);
  const stored = await database.db('invoices').whereIn('id', invoices.map((invoice) => invoice.id)).select('file_path');
  expect(stored).toHaveLength(11);
  for (const { file_path: filePath } of stored) expect(fs.existsSync(path.join(documentsDir, String(filePath)))).toBe(true);
}, 180_000);

describe('which queue each workflow type is started on (a client that only records)', () => {
  /** Records the queue of each start and signal-with-start, by workflow type; starts nothing. */
  function queueRecorder(queues: Map<string, string>): RelayDeps['client'] {
    const record = async (type: unknown, options: { taskQueue: string }) => {
      queues.set(String(type), options.taskQueue);
      return {} as never;
    };
    return { workflow: { start: record as unknown as RelayDeps['client']['workflow']['start'], signalWithStart: record as never } };
  }
  beforeAll(() => endpointFor('customer.created', '/queues'));
  let instant = Date.UTC(2026, 11, 31);
  async function requestOneOfEach(): Promise<void> {
    const organizationId = api.organization.id;
    instant += 86_400_000; // another overdue workflow each time
    await database.db.transaction(async (trx) => {
      await recordWebhookEvent(trx, { organizationId, webhookType: 'customer.created', objectType: 'customer', object: { lago_id: randomUUID() } });
      await requestDocument(trx, { organizationId, documentType: 'invoice', id: randomUUID() });
      await requestCollection(trx, { organizationId, payable: { type: 'invoice', id: randomUUID() } });
      await requestOverdueSweep(trx, { organizationId, invoiceId: randomUUID(), instantMs: instant });
    });
  }

  it('with the outbox queue: webhooks and documents there, payments and overdue sweeps on the main queue', async () => {
    await relayOutbox({ db: database.db, client: queueRecorder(new Map()), taskQueue: TASK_QUEUE }); // what earlier tests left
    await requestOneOfEach();
    const queues = new Map<string, string>();
    const deps: RelayDeps = { db: database.db, client: queueRecorder(queues), taskQueue: TASK_QUEUE, outboxTaskQueue: OUTBOX_QUEUE, documentsTaskQueue: DOCUMENTS_QUEUE };
    await relayOutbox(deps);
    await relayWorkflowRequests(deps);
    expect(Object.fromEntries(queues)).toEqual({
      webhookWorkflow: OUTBOX_QUEUE, documentWorkflow: OUTBOX_QUEUE, paymentWorkflow: TASK_QUEUE, overdueWorkflow: TASK_QUEUE,
    });
  });

  it('without it, every workflow on the main queue, as before', async () => {
    await requestOneOfEach();
    const queues = new Map<string, string>();
    const deps: RelayDeps = { db: database.db, client: queueRecorder(queues), taskQueue: TASK_QUEUE, documentsTaskQueue: DOCUMENTS_QUEUE };
    await relayOutbox(deps);
    await relayWorkflowRequests(deps);
    expect(Object.fromEntries(queues)).toEqual({
      webhookWorkflow: TASK_QUEUE, documentWorkflow: TASK_QUEUE, paymentWorkflow: TASK_QUEUE, overdueWorkflow: TASK_QUEUE,
    });
  });
});

async function endpointFor(eventType: string, urlPath: string): Promise<void> {
  await api.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: `${baseUrl}${urlPath}`, event_types: [eventType] } }).expect(200);
}
