/**
 * Gapless counters. The increment takes the row lock until the caller's transaction ends, so a
 * rolled-back invoice gives its number back and two writers never share one.
 */
import type { Tx } from './knex';

export async function nextSequenceValue(trx: Tx, organizationId: string, scope: string): Promise<bigint> {
  const result = await trx.raw<{ rows: { value: bigint }[] }>(
    `INSERT INTO sequence_counters (organization_id, scope, value) VALUES (?, ?, 1)
     ON CONFLICT (organization_id, scope) DO UPDATE SET value = sequence_counters.value + 1
     RETURNING value`,
    [organizationId, scope],
  );
  return result.rows[0]!.value;
}

/** Sets a counter (the next `nextSequenceValue` answers `value + 1`), creating it if need be. */
export async function setSequenceValue(trx: Tx, organizationId: string, scope: string, value: bigint): Promise<void> {
  await trx.raw(
    `INSERT INTO sequence_counters (organization_id, scope, value) VALUES (?, ?, ?)
     ON CONFLICT (organization_id, scope) DO UPDATE SET value = EXCLUDED.value`,
    [organizationId, scope, value.toString()],
  );
}
