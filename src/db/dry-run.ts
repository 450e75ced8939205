/**
 * A dry run: work done in a transaction that is always rolled back, so that a preview or an
 * estimate runs the very code path that writes (the invoice writer, its numbering, its fees) and
 * keeps nothing. What the work returns is answered; an error it throws is thrown after the rollback.
 */
import type { Db, Tx } from './knex';

class RolledBack<T> extends Error {
  constructor(readonly value: T) {
    super('dry run rolled back');
  }
}

export async function dryRun<T>(db: Db, work: (trx: Tx) => Promise<T>): Promise<T> {
  try {
    await db.transaction(async (trx) => {
      throw new RolledBack(await work(trx));
    });
  } catch (error) {
    if (error instanceof RolledBack) return error.value as T;
    throw error;
  }
  throw new Error('dry run committed');
}
