/**
 * API keys: which organization a key opens, and the keys' life (created and shown once, listed by
 * mask, revoked at once). Keys are stored as hashes (see db/organizations.ts).
 */
import type { Db } from '../../db/knex';
import {
  findApiKeyById, findOrganization, findOrganizationByApiKey, insertApiKey, listApiKeys as listKeyRows, revokeApiKey as revokeKeyRow,
  type ApiKeyRow, type OrganizationRow,
} from '../../db/organizations';
import { notFound } from '../../runtime/errors';

export type { ApiKeyRow };

/** The organization an active key opens and the key's id (the rate limit's key); read on every request, never cached. */
export async function authenticateApiKey(db: Db, apiKey: string): Promise<{ organization: OrganizationRow; apiKeyId: string } | undefined> {
  return findOrganizationByApiKey(db, apiKey);
}

/** A new key for an organization; `apiKey` is the only time the clear key exists. */
export async function createApiKey(db: Db, input: { organizationId: string; name?: string | null }): Promise<{ key: ApiKeyRow; apiKey: string }> {
  if (!(await findOrganization(db, input.organizationId))) throw notFound('organization');
  const { row, apiKey } = await insertApiKey(db, input.organizationId, { name: input.name ?? null });
  return { key: row, apiKey };
}

export async function listApiKeys(db: Db, filters: { organizationId?: string; includeRevoked?: boolean } = {}): Promise<ApiKeyRow[]> {
  return listKeyRows(db, filters);
}

/** Revoked at once: the next request with it is a 401 in every API process (no cache). */
export async function revokeApiKey(db: Db, id: string): Promise<ApiKeyRow> {
  if (!(await findApiKeyById(db, id))) throw notFound('api_key');
  return (await revokeKeyRow(db, id))!;
}
