/**
 * The workers of one worker process, each on its own task queue:
 * - the main worker registers every workflow and activity on `TEMPORAL_TASK_QUEUE`: the
 *   subscriptions' workflows and their closes, payments, overdue sweeps;
 * - the outbox worker runs the same workflows and activities on `outboxTaskQueue(q)`, where the
 *   relay starts the webhook and document workflows (and so their webhook deliveries run there too),
 *   so they no longer wait behind a close's backlog on the main queue;
 * - the documents worker takes the PDF renderings (activities only) off `documentsTaskQueue(q)`.
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

/** The queue of the webhook and document workflows the outbox relay starts (src/webhooks/relay.ts). */
export const outboxTaskQueue = (taskQueue: string) => `${taskQueue}-outbox`;

/**
 * The outbox worker's workflow cache, at most. Its workflows are short-lived: a webhook workflow
 * ends once each endpoint has its delivery (while Temporal retries a failing receiver it sits idle,
 * first to be evicted when the cache is full), and a burst's batch (one per relay claim of up to 100 rows) ends when its PDFs or
 * deliveries are done. So the live ones at a close are the batches still under way: a few dozen
 * while PDFs keep up. Past 100 the least recently used are evicted and replay their short history
 * (a few events per document or delivery) at their next task. The cache, not the number of
 * invoices, bounds the memory this worker adds to the process (idle, 40-57 MB of RSS: its own
 * workflow thread and V8 context; measured with 2 then 3 Workers against a dev server).
 */
export const OUTBOX_CACHED_WORKFLOWS = 100;

/**
 * The outbox worker: the same workflow bundle and activities as the main worker, on
 * `outboxTaskQueue(taskQueue)`, with a cache of its own of at most OUTBOX_CACHED_WORKFLOWS (fewer
 * if `maxCachedWorkflows`, the main worker's setting, is smaller: 0 turns caching off everywhere).
 */
export async function createOutboxWorker(setup: WorkerSetup): Promise<Worker> {
  return createWorker({
    ...setup,
    taskQueue: outboxTaskQueue(setup.taskQueue),
    maxCachedWorkflows: Math.min(setup.maxCachedWorkflows ?? OUTBOX_CACHED_WORKFLOWS, OUTBOX_CACHED_WORKFLOWS),
  });
}

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
