/** The worker: registers every workflow (subscription, webhook, document) and the activities on one task queue. */
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
