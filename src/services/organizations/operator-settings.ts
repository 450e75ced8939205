/** An organization's settings that only its operator changes (no Lago route carries them). */
import type { Db } from '../../db/knex';
import { organizationHmacKey as storedHmacKey, setWebhooksAllowPrivateAddresses as storeAllowPrivate, type OrganizationRow } from '../../db/organizations';
import { notFound } from '../../runtime/errors';

/**
 * Lets the organization's webhooks reach loopback and private networks (a receiver on the same
 * host or LAN). Off by default; link-local, metadata and multicast addresses stay refused.
 */
export async function setWebhooksAllowPrivateAddresses(db: Db, organizationId: string, allowed: boolean): Promise<OrganizationRow> {
  const organization = await storeAllowPrivate(db, organizationId, allowed);
  if (!organization) throw notFound('organization');
  return organization;
}

/** The HMAC key receivers verify `hmac` signatures with, in clear: for the operator's command line only. */
export async function organizationHmacKey(db: Db, organizationId: string): Promise<string> {
  return storedHmacKey(db, organizationId);
}
