/** Which organization an API key opens (keys are stored as hashes: see db/organizations.ts). */
import type { Db } from '../../db/knex';
import { findOrganizationByApiKey, type OrganizationRow } from '../../db/organizations';

export async function organizationOfApiKey(db: Db, apiKey: string): Promise<OrganizationRow | undefined> {
  return findOrganizationByApiKey(db, apiKey);
}
