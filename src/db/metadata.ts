/**
 * The metadata of plans, wallets and credit notes: Lago's key → value object in a `metadata` jsonb
 * column (null when never set or cleared). One change at a time per owner: the row is locked, the
 * new object computed and written in the caller's transaction.
 */
import type { Tx } from './knex';

export type MetadataOwner = 'plans' | 'wallets' | 'credit_notes';
export type MetadataValue = Record<string, unknown>;

export type MetadataChange =
  | { kind: 'replace'; value: MetadataValue }
  | { kind: 'merge'; value: MetadataValue }
  | { kind: 'clear' }
  | { kind: 'delete_key'; key: string };

/** Lago's limit on the keys of one object. */
export const MAX_METADATA_KEYS = 50;

export type MetadataOutcome =
  | { ok: true; metadata: MetadataValue | null }
  /** `delete_key` on an owner without metadata, or a merge beyond the key limit. */
  | { ok: false; reason: 'no_metadata' | 'too_many_keys' };

function next(current: MetadataValue | null, change: MetadataChange): MetadataOutcome {
  switch (change.kind) {
    case 'replace':
      return { ok: true, metadata: { ...change.value } };
    case 'merge': {
      const merged = { ...(current ?? {}), ...change.value };
      return Object.keys(merged).length > MAX_METADATA_KEYS ? { ok: false, reason: 'too_many_keys' } : { ok: true, metadata: merged };
    }
    case 'clear':
      return { ok: true, metadata: null };
    case 'delete_key': {
      if (current === null) return { ok: false, reason: 'no_metadata' };
      const { [change.key]: _removed, ...rest } = current;
      return { ok: true, metadata: rest };
    }
  }
}

/** Applies the change to the owner's metadata (the owner row must exist in the organization). */
export async function changeMetadata(trx: Tx, owner: MetadataOwner, organizationId: string, id: string, change: MetadataChange): Promise<MetadataOutcome> {
  const row = (await trx(owner).where({ organization_id: organizationId, id }).forUpdate().first('metadata')) as { metadata: MetadataValue | null } | undefined;
  if (!row) throw new Error(`No ${owner} row ${id} in organization ${organizationId}`);
  const outcome = next(row.metadata ?? null, change);
  if (!outcome.ok) return outcome;
  await trx(owner).where({ organization_id: organizationId, id })
    .update({ metadata: outcome.metadata === null ? null : JSON.stringify(outcome.metadata), updated_at: trx.fn.now() });
  return outcome;
}
