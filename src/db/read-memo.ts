/**
 * A transaction's read memo: rows a use case reads several times in one transaction and never
 * writes there (a subscription's plan, customer, organization, taxes, charges…), read once. Only a
 * transaction that opened one (`openReadMemo`) memoizes, and its nested transactions share it;
 * every other connection, and every read outside such a transaction, goes to the database each
 * time. A use case opens one only when none of its statements writes the memoized tables (the
 * period close: it writes invoices, fees, windows, draws and the outbox, never a subscription,
 * plan, customer, organization, charge, metric or tax).
 */
import type { Conn, Tx } from './knex';

type Memo = Map<string, Promise<unknown>>;

const memos = new WeakMap<object, Memo>();

/** The memo of this transaction or of the nearest enclosing one that has one. */
function memoOf(conn: Conn): Memo | undefined {
  let current = conn as unknown as { parentTransaction?: unknown } | undefined;
  while (current && typeof current === 'function') {
    const memo = memos.get(current);
    if (memo) return memo;
    current = (current as { parentTransaction?: unknown }).parentTransaction as typeof current;
  }
  return undefined;
}

/** From now to its end, `trx` (and what nests in it) reads each memoized row once; a no-op when it, or an enclosing transaction, already does. */
export function openReadMemo(trx: Tx): void {
  if (!memoOf(trx)) memos.set(trx, new Map());
}

/** `load()`, once per key in a transaction with a memo; every time elsewhere. A failed load is not kept. */
export function memoized<T>(conn: Conn, key: string, load: () => Promise<T>): Promise<T> {
  const memo = memoOf(conn);
  if (!memo) return load();
  const known = memo.get(key);
  if (known) return known as Promise<T>;
  const loading = load();
  memo.set(key, loading);
  loading.catch(() => memo.delete(key));
  return loading;
}

/** Whether reads in `conn` are memoized (it, or an enclosing transaction, opened a memo). */
export function hasReadMemo(conn: Conn): boolean {
  return memoOf(conn) !== undefined;
}

/** What this transaction's memo holds under `key`, without reading anything; undefined when nothing (or no memo). */
export function recall<T>(conn: Conn, key: string): Promise<T> | undefined {
  return memoOf(conn)?.get(key) as Promise<T> | undefined;
}

/** Records a row just read another way (a list), for a later `memoized` read of the same key in this transaction. */
export function remember<T>(conn: Conn, key: string, value: T): void {
  memoOf(conn)?.set(key, Promise.resolve(value));
}
