/**
 * Renders a finalized invoice's (or credit note's) PDF once it is committed. The activity stores
 * the file, sets its path and records the `*.generated` webhook in one transaction; a browser
 * crash or a full disk is retried with backoff for a day.
 */
import { ApplicationFailure, patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { BillingActivities } from '../activities';
import type { DocumentType } from './ids';

export interface DocumentWorkflowInput {
  organizationId: string;
  documentType: DocumentType;
  id: string;
  /**
   * The task queue of the rendering activity: the worker's documents queue, whose worker runs as
   * many renderings at once as it has pages (src/worker.ts). Absent: the workflow's own queue.
   */
  activityTaskQueue?: string;
}

const OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: ['DocumentError'] },
};

/** A burst's renderings in one activity: a heartbeat after each document, so a lost worker is noticed in a minute. */
const BATCH_OPTIONS: ActivityOptions = { ...OPTIONS, startToCloseTimeout: '30 minutes', heartbeatTimeout: '1 minute' };

/** patched(): a burst's renderings in one activity, not one activity per document (issue 12). */
const BURST_IN_ONE_ACTIVITY = 'document-burst-in-one-activity';

const onQueue = (options: ActivityOptions, activityTaskQueue: string | undefined) => (activityTaskQueue ? { ...options, taskQueue: activityTaskQueue } : options);
const renderer = (activityTaskQueue: string | undefined) => proxyActivities<BillingActivities>(onQueue(OPTIONS, activityTaskQueue)).generateDocument;
const batchRenderer = (activityTaskQueue: string | undefined) => proxyActivities<BillingActivities>(onQueue(BATCH_OPTIONS, activityTaskQueue)).generateDocuments;

export async function documentWorkflow({ activityTaskQueue, ...document }: DocumentWorkflowInput): Promise<void> {
  await renderer(activityTaskQueue)(document);
}

export interface DocumentBatchInput {
  documents: DocumentWorkflowInput[];
  activityTaskQueue?: string;
}

/**
 * A burst of documents (a close) in one workflow, started by the relay: every document rendered by
 * one activity, then each one that failed tried again alone with a single document's retries.
 * Every document is tried; the batch fails (visibly) after all of them if one could not be made.
 */
export async function documentBatchWorkflow(input: DocumentBatchInput): Promise<void> {
  const generateDocument = renderer(input.activityTaskQueue);
  const documents = input.documents.map(({ activityTaskQueue: _queue, ...document }) => document);
  if (!patched(BURST_IN_ONE_ACTIVITY)) {
    await throwFirstFailure(input.documents.map((document) => generateDocument(document)));
    return;
  }
  const { retry, rejected } = await batchRenderer(input.activityTaskQueue)({ documents });
  await throwFirstFailure([
    ...retry.map((document) => generateDocument(document)),
    ...rejected.map(({ message }) => Promise.reject(ApplicationFailure.nonRetryable(message, 'DocumentError'))),
  ]);
}

async function throwFirstFailure(work: Promise<unknown>[]): Promise<void> {
  const outcomes = await Promise.allSettled(work);
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
}
