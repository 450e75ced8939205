/**
 * The workers of one worker process, each on its own task queue:
 * - the main worker registers every workflow and activity on `TEMPORAL_TASK_QUEUE`: the
 *   subscriptions' workflows and their closes, payments, overdue sweeps;
 * - the outbox worker runs the same workflows and activities on `outboxTaskQueue(q)`, where the
 *   relay starts the webhook and document workflows (and so their webhook deliveries run there too),
 *   so they no longer wait behind a close's backlog on the main queue;
 * - the documents worker takes the PDF renderings (activities only) off `documentsTaskQueue(q)`.
 * Each has a pool of connections of its own (and so has the outbox relay): a delivery or a rendering
 * never waits for a connection behind a close's activities.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { keepAliveInterceptor } from './activities/heartbeat';
import { createDb, sidePoolOf, type Db } from './db/knex';

export interface WorkerSetup {
  connection: NativeConnection;
  db: Db;
  namespace: string;
  taskQueue: string;
  /** A prebuilt workflow bundle (tests bundle once); otherwise workflows are bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Workflows kept in memory between tasks (an evicted one replays its bounded history when it wakes); the SDK's default when absent. */
  maxCachedWorkflows?: number;
  /**
   * Activities run at once (as many as `db` has connections: the rest wait in Temporal's queue, not
   * in the pool's), and as many local activities (the period closes); the SDK's 100 each when absent.
   */
  maxConcurrentActivities?: number;
}

/**
 * How long a query of the worker process waits for a free connection before it fails, and with it
 * its activity, which Temporal retries. Below the subscription activities' 15 s heartbeat timeout
 * (the worker beats for them while they run: src/activities/heartbeat.ts), far below knex's
 * 60 s: a webhook delivery once waited about 2 minutes for its connections, silently, at a close.
 */
export const WORKER_ACQUIRE_TIMEOUT_MS = 10_000;

/**
 * The worker process's main pool: `poolSize` connections for the main worker (which runs as many
 * activities at once), the reconciler and the readiness probe. Its statements are cancelled after
 * `statementTimeoutMs` (0: never), so a stuck one fails its activity, retried, rather than outlive it.
 */
export function createWorkerDb(connectionString: string, limits: { poolSize: number; statementTimeoutMs: number }): Db {
  return createDb(connectionString, { max: limits.poolSize, acquireTimeoutMs: WORKER_ACQUIRE_TIMEOUT_MS, statementTimeoutMs: limits.statementTimeoutMs });
}

/**
 * How long a workflow task waits on this worker's sticky queue (the workflows it has cached) before
 * Temporal hands it, with the whole history, to any worker of the queue. With the SDK's 10 s, a
 * month-end close of 1,000 on one busy worker timed out 0.35 to 1 such task per subscription
 * (`bench:close`; each a schedule-to-start timeout in the histories), and each cost the server a
 * whole history read and the worker a replay. A minute covers such a close on one worker. A dead
 * worker's tasks do not wait for it: Temporal stops using a sticky queue nobody has polled for 10 s;
 * only those sent in those 10 s wait out the minute. Longer does not pay: where more workflows close
 * than the cache holds, they replay anyway (10 minutes at N = 10,000: no timeouts, no faster).
 */
export const STICKY_QUEUE_SCHEDULE_TO_START = '1 minute';

export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  return Worker.create({
    connection: setup.connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    ...(setup.workflowBundle ? { workflowBundle: setup.workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({ db: setup.db }),
    interceptors: { activity: [keepAliveInterceptor] },
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_SCHEDULE_TO_START,
    ...(setup.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: setup.maxCachedWorkflows } : {}),
    ...(setup.maxConcurrentActivities !== undefined
      ? { maxConcurrentActivityTaskExecutions: setup.maxConcurrentActivities, maxConcurrentLocalActivityExecutions: setup.maxConcurrentActivities }
      : {}),
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

/**
 * The documents worker's own connections: a rendering reads its document and stores its path, a few
 * short statements around seconds of Chromium, so its 4 activities (3 documents each) share 3.
 */
export const DOCUMENTS_CONNECTIONS = 3;

/** The outbox worker's activities at once (the SDK's default): deliveries, most of their time waiting on receivers. */
export const OUTBOX_ACTIVITIES = 100;

/**
 * The outbox worker's own connections. A delivery holds one only for each of its short statements
 * (about ten) and spends the rest of its time on the receiver, so the OUTBOX_ACTIVITIES (a burst's
 * batch sends 10 at once) share 5, where on the main pool they queued behind the close's activities.
 */
export const OUTBOX_CONNECTIONS = 5;

/** The outbox relay's own connections: one transaction at a time, which never waits behind the activities. */
export const RELAY_CONNECTIONS = 2;

/** The pool the outbox relay of a worker process uses (src/cli.ts). */
export const relayPoolOf = (db: Db) => sidePoolOf(db, 'outbox-relay', RELAY_CONNECTIONS);

/** Connections a worker process opens at most, beside the main pool's `poolSize`. */
export const WORKER_SIDE_CONNECTIONS = OUTBOX_CONNECTIONS + DOCUMENTS_CONNECTIONS + RELAY_CONNECTIONS;

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
 * if `maxCachedWorkflows`, the main worker's setting, is smaller),
 * and a pool of its own of OUTBOX_CONNECTIONS on `db`'s database.
 */
export async function createOutboxWorker(setup: WorkerSetup): Promise<Worker> {
  return createWorker({
    ...setup,
    maxConcurrentActivities: OUTBOX_ACTIVITIES,
    db: sidePoolOf(setup.db, 'outbox-worker', OUTBOX_CONNECTIONS),
    taskQueue: outboxTaskQueue(setup.taskQueue),
    maxCachedWorkflows: Math.min(setup.maxCachedWorkflows ?? OUTBOX_CACHED_WORKFLOWS, OUTBOX_CACHED_WORKFLOWS),
  });
}

/** The documents worker: activities only, on `documentsTaskQueue(taskQueue)`, with a pool of its own of DOCUMENTS_CONNECTIONS. */
export async function createDocumentsWorker(setup: Omit<WorkerSetup, 'workflowBundle' | 'maxCachedWorkflows' | 'maxConcurrentActivities'>): Promise<Worker> {
  return Worker.create({
    connection: setup.connection,
    namespace: setup.namespace,
    taskQueue: documentsTaskQueue(setup.taskQueue),
    activities: createActivities({ db: sidePoolOf(setup.db, 'documents-worker', DOCUMENTS_CONNECTIONS) }),
    interceptors: { activity: [keepAliveInterceptor] },
    maxConcurrentActivityTaskExecutions: CONCURRENT_RENDERINGS,
  });
}
