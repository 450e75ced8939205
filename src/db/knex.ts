/** The knex instance: bigint columns come back as bigint, numerics as exact strings. */
import knexFactory, { type Knex } from 'knex';
import { types } from 'pg';
import { migrationSource } from '../../migrations';

const INT8_OID = 20;
types.setTypeParser(INT8_OID, (value: string) => BigInt(value));
const DATE_OID = 1082;
types.setTypeParser(DATE_OID, (value: string) => value); // calendar dates stay 'YYYY-MM-DD'

export type Db = Knex;
/** A transaction: what a use case passes down so several stores write atomically. */
export type Tx = Knex.Transaction;
/** Either: store functions that may run inside a caller's transaction take this. */
export type Conn = Db | Tx;

/** Whether `conn` is a transaction (knex's transactor), not the pool. */
export function isTransaction(conn: Conn): conn is Tx {
  return (conn as { isTransaction?: boolean }).isTransaction === true;
}

/**
 * `work` in the caller's transaction when `conn` is one, without a savepoint of its own (an error
 * fails that transaction as a whole: no caller goes on after one); else in a new transaction.
 */
export function inTransaction<T>(conn: Conn, work: (trx: Tx) => Promise<T>): Promise<T> {
  return isTransaction(conn) ? work(conn) : conn.transaction(work);
}

export interface DbOptions {
  min?: number;
  /** Connections at most (10 when absent). */
  max?: number;
  /** How long a query waits for a free connection before it fails (knex's 60 s when absent). */
  acquireTimeoutMs?: number;
  /** PostgreSQL's `statement_timeout` on every connection: a longer statement is cancelled (none when absent). */
  statementTimeoutMs?: number;
}

export function createDb(connectionString: string, options: DbOptions = {}): Db {
  return knexFactory({
    client: 'pg',
    connection: { connectionString, ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}) },
    pool: { min: options.min ?? 0, max: options.max ?? 10 },
    ...(options.acquireTimeoutMs !== undefined ? { acquireConnectionTimeout: options.acquireTimeoutMs } : {}),
  });
}

export async function migrate(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

const sidePools = new WeakMap<Db, Map<string, Db>>();

/**
 * A small pool of its own on `db`'s database, named for what uses it (the alert evaluator's: its
 * queries never queue behind the API's requests on the shared pool), with `db`'s connection
 * settings and timeouts. One per name and `db`; destroyed with `db`.
 */
export function sidePoolOf(db: Db, name: string, max: number): Db {
  let pools = sidePools.get(db);
  if (!pools) {
    const own = new Map<string, Db>();
    sidePools.set(db, (pools = own));
    // `db.destroy()` is its client's (knex's own property is read-only): the side pools go first.
    const client = db.client as { destroy: (callback?: unknown) => Promise<void> };
    const destroy = client.destroy.bind(client);
    client.destroy = async (callback?: unknown) => {
      await Promise.all([...own.values()].map((pool) => pool.destroy()));
      own.clear();
      return destroy(callback);
    };
  }
  let pool = pools.get(name);
  if (!pool) {
    const config = db.client.config as Knex.Config;
    pools.set(name, (pool = knexFactory({ ...config, pool: { min: 0, max, idleTimeoutMillis: 10_000 } })));
  }
  return pool;
}
