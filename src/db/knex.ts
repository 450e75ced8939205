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

export function createDb(connectionString: string, pool: { min?: number; max?: number } = {}): Db {
  return knexFactory({
    client: 'pg',
    connection: { connectionString },
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
  });
}

export async function migrate(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}
