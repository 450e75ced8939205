/**
 * The worker process's connections (src/worker.ts): a query that finds no free connection fails
 * after WORKER_ACQUIRE_TIMEOUT_MS instead of knex's silent 60 s, a statement is cancelled after the
 * worker's statement timeout, and the main worker takes no more activities at once than its pool
 * has connections. The API's and the migrations' pools (plain createDb) keep no statement timeout.
 */
import { KnexTimeoutError } from 'knex';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDb, sidePoolOf, type Db } from '../../src/db/knex';
import { createDocumentsWorker, createOutboxWorker, createWorker, createWorkerDb, relayPoolOf, WORKER_ACQUIRE_TIMEOUT_MS, WORKER_SIDE_CONNECTIONS } from '../../src/worker';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv } from '../support/temporal';

let database: TestDatabase;
const opened: Db[] = [];
const open = (db: Db) => (opened.push(db), db);

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  for (const db of opened) await db.destroy();
  await database?.drop();
});

/** Holds every connection of `db`'s pool (`size` of them) in open transactions until `release` is called. */
async function holdPool(db: Db, size: number): Promise<() => Promise<void>> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  let begun = 0;
  const held = Array.from({ length: size }, () => db.transaction(async (trx) => {
    await trx.raw('select 1');
    begun += 1;
    await gate;
  }));
  while (begun < size) await new Promise((resolve) => setTimeout(resolve, 10));
  return async () => {
    release();
    await Promise.all(held);
  };
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; outcome: T | unknown }> {
  const started = Date.now();
  const outcome = await run().catch((error: unknown) => error);
  return { ms: Date.now() - started, outcome };
}

describe('waiting for a connection', () => {
  it("knex's default: a query waits, without a word, as long as the pool's connections are held", async () => {
    const db = open(createDb(database.url, { max: 1 }));
    const release = await holdPool(db, 1);
    setTimeout(() => void release(), 1_500);
    const { ms, outcome } = await timed(() => db.raw('select 1 as one'));
    // Released after 1.5 s, then it ran: it waited the whole hold, and would have waited up to 60 s.
    expect(ms).toBeGreaterThanOrEqual(1_400);
    expect((outcome as { rows: unknown[] }).rows).toEqual([{ one: 1 }]);
  });

  it("the worker's pool: a query that finds no free connection fails after 10 s, loudly", async () => {
    expect(WORKER_ACQUIRE_TIMEOUT_MS).toBe(10_000);
    const db = open(createWorkerDb(database.url, { poolSize: 1, statementTimeoutMs: 30_000 }));
    const release = await holdPool(db, 1);
    const { ms, outcome } = await timed(() => db.raw('select 1'));
    await release();
    expect(outcome).toBeInstanceOf(KnexTimeoutError);
    expect(ms).toBeGreaterThanOrEqual(9_900);
    expect(ms).toBeLessThan(15_000); // the subscription activities' heartbeat timeout
  }, 30_000);

  it("the relay's pool is its own: served while every connection of the main pool is held (the outbox worker's: outbox-queue.test.ts)", async () => {
    const db = open(createWorkerDb(database.url, { poolSize: 1, statementTimeoutMs: 30_000 }));
    const release = await holdPool(db, 1);
    const { ms, outcome } = await timed(() => relayPoolOf(db).raw('select 2 as two'));
    await release();
    expect((outcome as { rows: unknown[] }).rows).toEqual([{ two: 2 }]);
    expect(ms).toBeLessThan(WORKER_ACQUIRE_TIMEOUT_MS);
  });
});

describe('statement timeout', () => {
  const timeoutOf = async (db: Db) => ((await db.raw('show statement_timeout')) as { rows: { statement_timeout: string }[] }).rows[0]!.statement_timeout;

  it("a worker's statement longer than its timeout is cancelled (PostgreSQL's 57014), after the timeout and not the statement's 3 s", async () => {
    const db = open(createWorkerDb(database.url, { poolSize: 2, statementTimeoutMs: 1_000 }));
    const { ms, outcome } = await timed(() => db.raw('select pg_sleep(3)'));
    expect((outcome as { code?: string }).code).toBe('57014');
    expect(ms).toBeGreaterThanOrEqual(1_000);
    expect(ms).toBeLessThan(2_500);
  });

  it("every pool of a worker process has it (the relay's, the side pools); 0 turns it off", async () => {
    const db = open(createWorkerDb(database.url, { poolSize: 2, statementTimeoutMs: 30_000 }));
    expect(await timeoutOf(db)).toBe('30s');
    expect(await timeoutOf(relayPoolOf(db))).toBe('30s');
    expect(await timeoutOf(sidePoolOf(db, 'outbox-worker', 5))).toBe('30s');
    expect(await timeoutOf(open(createWorkerDb(database.url, { poolSize: 1, statementTimeoutMs: 0 })))).toBe('0');
  });

  it("the API's and the migrations' pools (plain createDb) have none: their long reports and migrations run to the end", async () => {
    expect(await timeoutOf(database.db)).toBe('0');
    expect(await timeoutOf(open(createDb(database.url, { max: 20 })))).toBe('0');
  });
});

describe("the workers' activity slots", () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('the main worker runs as many activities at once as it is told (its pool size); the outbox worker 100; the documents worker 4', async () => {
    const setup = {
      connection: env.nativeConnection, db: database.db, namespace: env.namespace ?? 'default', taskQueue: 'worker-pools-test',
      workflowBundle: { codePath: process.env.BILLOW_TEST_WORKFLOW_BUNDLE! }, maxConcurrentActivities: 7,
    };
    const slots = (worker: { options: { tuner: unknown } }) => (worker.options.tuner as { activityTaskSlotSupplier: { numSlots: number } }).activityTaskSlotSupplier.numSlots;
    const workers = [await createWorker(setup), await createOutboxWorker(setup), await createDocumentsWorker(setup)];
    expect(workers.map(slots)).toEqual([7, 100, 4]);
    // Beside the main pool: the outbox worker's 5, the documents worker's 3, the relay's 2 (docs/deployment.md's "+ 10").
    expect(WORKER_SIDE_CONNECTIONS).toBe(5 + 3 + 2);
    // Run and shut down at once: a Worker created holds the connection until it has run.
    await Promise.all(workers.map((worker) => worker.runUntil(Promise.resolve())));
  });
});
