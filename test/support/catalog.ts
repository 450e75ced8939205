/** Helpers for the catalog API tests: snapshots of tables (bad input changes nothing) and key checks. */
import type { Db } from '../../src/db/knex';

/** Every row of the tables, as JSON: compare before and after a rejected request. */
export async function snapshot(db: Db, tables: readonly string[]): Promise<string> {
  const parts: Record<string, unknown[]> = {};
  for (const table of tables) parts[table] = await db(table).select('*').orderByRaw('1, 2');
  return JSON.stringify(parts, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

export const CATALOG_TABLES = [
  'billable_metrics', 'plans', 'charges', 'taxes', 'plan_taxes', 'charge_taxes', 'customer_taxes', 'customers',
  'add_ons', 'add_on_taxes', 'coupons', 'coupon_targets', 'applied_coupons',
] as const;

/** The exact sorted key list of an object, for output-shape assertions. */
export function keysOf(value: unknown): string[] {
  return Object.keys(value as object).sort();
}
