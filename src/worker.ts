/**
 * The worker: registers every workflow (subscription, webhook, document) and the activities on one
 * task queue; beside it, the documents worker takes the PDF renderings off their own queue.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import type { Db } from './db/knex';

export interface WorkerSetup {
  connection: NativeConnection;
  db: Db;
  namespace: string;
  taskQueue: string;
  /** A prebuilt workflow bundle (tests bundle once); otherwise workflows are bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Workflows kept in memory between tasks (an evicted one replays its bounded history when it wakes); the SDK's default when absent. */
  maxCachedWorkflows?: number;
}

export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  return Worker.create({
    connection: setup.connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    ...(setup.workflowBundle ? { workflowBundle: setup.workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({ db: setup.db }),
    ...(setup.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: setup.maxCachedWorkflows } : {}),
  });
}

/** The queue of the PDF renderings (the relay passes it to the document workflows). */
export const documentsTaskQueue = (taskQueue: string) => `${taskQueue}-documents`;

/**
 * Renderings at once in one worker process: the renderer's two Chromium pages, and two more reading
 * and storing. On the main queue, a close's hundreds of renderings each held one of the worker's
 * 100 activity slots while they waited for a page, and the close's own activities and the webhook
 * deliveries waited behind them (at N = 10,000 both went at the PDFs' pace, about 2/s).
 */
const CONCURRENT_RENDERINGS = 4;

/** The documents worker: activities only, on `documentsTaskQueue(taskQueue)`. */
export async function createDocumentsWorker(setup: Omit<WorkerSetup, 'workflowBundle' | 'maxCachedWorkflows'>): Promise<Worker> {
  return Worker.create({
    connection: setup.connection,
    namespace: setup.namespace,
    taskQueue: documentsTaskQueue(setup.taskQueue),
    activities: createActivities({ db: setup.db }),
    maxConcurrentActivityTaskExecutions: CONCURRENT_RENDERINGS,
  });
}
