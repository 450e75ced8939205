/**
 * "The sandbox clock is being advanced", seen from every process: the API holds an advisory lock
 * for as long as an advance runs; the worker's document renderer looks at it. A lock, not a row:
 * it ends with the API's session, so an API that dies never leaves it set.
 */
import type { Db } from './knex';

/** The lock's two int4 keys: PostgreSQL keeps two-key advisory locks apart from the one-key ones Billow takes elsewhere (hashtext of a name). */
const ADVANCE_LOCK = [0x42494c4c, 0x434c4f43] as const;

/** Runs `work` holding the advance lock (a transaction left open for its duration, on one of `db`'s connections). */
export async function whileMarkedAdvancing<T>(db: Db, work: () => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [...ADVANCE_LOCK]);
    return work();
  });
}

/** Whether an advance holds the lock now (a shared try-lock, released at once by its own one-statement transaction). */
export async function advanceRunning(db: Db): Promise<boolean> {
  const { rows } = (await db.raw('SELECT pg_try_advisory_xact_lock_shared(?, ?) AS free', [...ADVANCE_LOCK])) as { rows: { free: boolean }[] };
  return rows[0]?.free === false;
}
