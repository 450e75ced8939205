/**
 * Renders a finalized invoice's (or credit note's) PDF once it is committed. The activity stores
 * the file, sets its path and records the `*.generated` webhook in one transaction; a browser
 * crash or a full disk is retried with backoff for a day.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
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

const renderer = (activityTaskQueue: string | undefined) =>
  proxyActivities<BillingActivities>(activityTaskQueue ? { ...OPTIONS, taskQueue: activityTaskQueue } : OPTIONS).generateDocument;

export async function documentWorkflow({ activityTaskQueue, ...document }: DocumentWorkflowInput): Promise<void> {
  await renderer(activityTaskQueue)(document);
}

export interface DocumentBatchInput {
  documents: DocumentWorkflowInput[];
  activityTaskQueue?: string;
}

/**
 * A burst of documents (a close) in one workflow, started by the relay: the same activity per
 * document with the same retries, without a workflow each for Temporal to start and run. Every
 * document is tried; the batch fails (visibly) after all of them if one could not be made.
 */
export async function documentBatchWorkflow(input: DocumentBatchInput): Promise<void> {
  const generateDocument = renderer(input.activityTaskQueue);
  const outcomes = await Promise.allSettled(input.documents.map((document) => generateDocument(document)));
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
}
