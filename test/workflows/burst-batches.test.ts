/**
 * A burst of webhooks or documents (a close) costs Temporal one activity, not one per item: the
 * first attempts in one activity, then only what failed, each alone with a single item's retries.
 * Stub activities (the real ones run in webhooks.test.ts) count the calls. With
 * BILLOW_RECORD_HISTORIES=1 the two histories are written for replay.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../support/temporal';

const TASK_QUEUE = 'burst-batches';
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => env?.teardown());

type Delivery = { organizationId: string; webhookId: string };
type Document = { organizationId: string; documentType: string; id: string };

function recordHistory(name: string, history: temporal.api.history.v1.IHistory): void {
  if (process.env.BILLOW_RECORD_HISTORIES !== '1') return;
  const History = temporal.api.history.v1.History;
  fs.writeFileSync(path.join(__dirname, 'histories', `${name}.json`), JSON.stringify(History.toObject(History.fromObject(history), { longs: String, bytes: String, defaults: false }), null, 1));
}

const scheduledActivities = (history: temporal.api.history.v1.IHistory) =>
  (history.events ?? []).flatMap((event) => (event.activityTaskScheduledEventAttributes ? [event.activityTaskScheduledEventAttributes.activityType!.name!] : []));

it('webhooks: one activity for the first attempts of all three deliveries; the one that failed goes on alone, 30 s later, and succeeds', async () => {
  const calls: { name: string; ids: string[] }[] = [];
  const worker = await Worker.create({
    connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowBundle: { codePath: process.env.BILLOW_TEST_WORKFLOW_BUNDLE! },
    activities: {
      deliverWebhooksOnce: async ({ deliveries }: { deliveries: Delivery[] }) => {
        calls.push({ name: 'deliverWebhooksOnce', ids: deliveries.map((d) => d.webhookId) });
        return { failed: deliveries.filter((d) => d.webhookId === 'w-flaky') };
      },
      deliverWebhook: async ({ webhookId }: Delivery) => {
        calls.push({ name: 'deliverWebhook', ids: [webhookId] });
        return { attempt: 2, status: 'succeeded' };
      },
      markWebhookFailed: async ({ webhookId }: Delivery) => {
        calls.push({ name: 'markWebhookFailed', ids: [webhookId] });
      },
    },
  });
  const workflowId = 'webhook-batch-one-activity';
  await worker.runUntil(env.client.workflow.execute('webhookBatchWorkflow', { taskQueue: TASK_QUEUE, workflowId, args: [{ events: [
    { organizationId: 'org', eventId: 'e1', webhookIds: ['w-ok-1', 'w-flaky'] },
    { organizationId: 'org', eventId: 'e2', webhookIds: ['w-ok-2'] },
  ] }] }));
  expect(calls).toEqual([
    { name: 'deliverWebhooksOnce', ids: ['w-ok-1', 'w-flaky', 'w-ok-2'] },
    { name: 'deliverWebhook', ids: ['w-flaky'] },
  ]);
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  expect(scheduledActivities(history)).toEqual(['deliverWebhooksOnce', 'deliverWebhook']);
  // The second attempt waits the first retry interval of a single delivery (WEBHOOK_RETRY: 30 s).
  const timers = (history.events ?? []).flatMap((event) => (event.timerStartedEventAttributes ? [event.timerStartedEventAttributes.startToFireTimeout] : []));
  expect(timers.map((timeout) => Number(timeout!.seconds))).toEqual([30]);
  recordHistory(workflowId, history);
}, 120_000);

it('documents: one activity renders the burst; one that failed is tried again alone; one that cannot be made fails the batch after all the others', async () => {
  const calls: { name: string; ids: string[] }[] = [];
  const stubWorker = () => Worker.create({
    connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowBundle: { codePath: process.env.BILLOW_TEST_WORKFLOW_BUNDLE! },
    activities: {
      generateDocuments: async ({ documents }: { documents: Document[] }) => {
        calls.push({ name: 'generateDocuments', ids: documents.map((d) => d.id) });
        return {
          retry: documents.filter((d) => d.id === 'i-busy'),
          rejected: documents.filter((d) => d.id === 'i-gone').map((document) => ({ document, message: `Invoice ${document.id} does not exist` })),
        };
      },
      generateDocument: async ({ id }: Document) => {
        calls.push({ name: 'generateDocument', ids: [id] });
        return { filePath: `invoices/org/${id}.pdf` };
      },
    },
  });
  const documents = ['i-ok', 'i-busy', 'i-gone'].map((id) => ({ organizationId: 'org', documentType: 'invoice', id }));
  const failing = (await stubWorker()).runUntil(env.client.workflow.execute('documentBatchWorkflow', { taskQueue: TASK_QUEUE, workflowId: 'document-batch-rejected', args: [{ documents }] }));
  await expect(failing).rejects.toBeInstanceOf(WorkflowFailedError);
  await expect(failing).rejects.toMatchObject({ cause: { message: 'Invoice i-gone does not exist', type: 'DocumentError' } });
  expect(calls).toEqual([
    { name: 'generateDocuments', ids: ['i-ok', 'i-busy', 'i-gone'] },
    { name: 'generateDocument', ids: ['i-busy'] },
  ]);

  calls.length = 0;
  const workflowId = 'document-batch-one-activity';
  await (await stubWorker()).runUntil(env.client.workflow.execute('documentBatchWorkflow', { taskQueue: TASK_QUEUE, workflowId, args: [{ documents: documents.slice(0, 1).concat({ organizationId: 'org', documentType: 'credit_note', id: 'c-ok' }) }] }));
  expect(calls).toEqual([{ name: 'generateDocuments', ids: ['i-ok', 'c-ok'] }]);
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  expect(scheduledActivities(history)).toEqual(['generateDocuments']);
  recordHistory(workflowId, history);
}, 120_000);
