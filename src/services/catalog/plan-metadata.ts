/**
 * A plan's metadata (Lago's `/plans/:code/metadata`): replaced (POST), merged (PATCH), cleared
 * (DELETE) or one key removed (DELETE `/:key`; `metadata_not_found` when the plan has none). At most
 * 50 keys; keys up to 100 characters, values strings up to 255 characters or null (the schema).
 */
import type { Db } from '../../db/knex';
import { changeMetadata, type MetadataChange, type MetadataOutcome, type MetadataValue } from '../../db/metadata';
import { invalidField, notFound } from '../../runtime/errors';
import { getPlan } from './plans';

export type { MetadataChange, MetadataValue };

/** The metadata after a change, or the domain error of a refused one. */
export function metadataOf(outcome: MetadataOutcome): MetadataValue | null {
  if (outcome.ok) return outcome.metadata;
  if (outcome.reason === 'no_metadata') throw notFound('metadata');
  throw invalidField('metadata', 'value_is_out_of_range');
}

export async function changePlanMetadata(db: Db, organizationId: string, code: string, change: MetadataChange): Promise<MetadataValue | null> {
  return db.transaction(async (trx) => {
    const plan = await getPlan(trx, organizationId, code);
    return metadataOf(await changeMetadata(trx, 'plans', organizationId, plan.id, change));
  });
}
