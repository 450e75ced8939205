/**
 * Plain parameterised SQL (`$1`, `$2`…) on a connection from knex's pool. Used where knex's
 * builder gets in the way: PostgreSQL arrays as single parameters, and hot paths.
 */
import type { Db } from './knex';

export interface PgConnection {
  query<R>(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: R[]; rowCount: number | null }>;
  /** Set to make knex's pool discard the connection instead of reusing it. */
  __knex__disposed?: unknown;
}

export async function withConnection<T>(db: Db, fn: (connection: PgConnection) => Promise<T>): Promise<T> {
  const connection = (await db.client.acquireConnection()) as PgConnection;
  try {
    return await fn(connection);
  } finally {
    await db.client.releaseConnection(connection);
  }
}

/** Rolls back after `error`; a connection that cannot even roll back is discarded, not reused. */
export async function rollbackOrDiscard(connection: PgConnection, error: unknown): Promise<void> {
  try {
    await connection.query({ text: 'ROLLBACK' });
  } catch {
    connection.__knex__disposed = error;
  }
}

export async function queryRows<R>(db: Db, text: string, values: unknown[]): Promise<R[]> {
  return withConnection(db, async (connection) => (await connection.query<R>({ text, values })).rows);
}

/** Collects query parameters and hands out their placeholders. */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
