/** Bearer API key authentication: every request is scoped to the key's organization. */
import type { RequestHandler } from 'express';
import type { Db } from '../services/deps';
import { organizationOfApiKey, type OrganizationRow } from '../services/organizations';
import { unauthorized } from './errors';
import { monotonicMs } from '../runtime/clock';

declare module 'express-serve-static-core' {
  interface Request {
    organization?: OrganizationRow;
  }
}

/** Every app's cache of organizations by key, so a settings change can drop its stale rows. */
const caches = new Set<Map<string, { organization: OrganizationRow; until: number }>>();

/** Forgets the cached row of an organization whose settings changed: the next request reads them again. */
export function forgetCachedOrganization(organizationId: string): void {
  for (const cache of caches) {
    for (const [key, entry] of cache) if (entry.organization.id === organizationId) cache.delete(key);
  }
}

export function authenticate(db: Db): RequestHandler {
  const cache = new Map<string, { organization: OrganizationRow; until: number }>();
  caches.add(cache);
  return async (req, _res, next) => {
    try {
      const [scheme, key] = (req.headers.authorization ?? '').trim().split(/\s+/);
      if (scheme?.toLowerCase() !== 'bearer' || !key) throw unauthorized();
      const cached = cache.get(key);
      let organization = cached && cached.until > monotonicMs() ? cached.organization : undefined;
      if (!organization) {
        organization = await organizationOfApiKey(db, key);
        if (!organization) throw unauthorized();
        cache.set(key, { organization, until: monotonicMs() + 5_000 });
      }
      req.organization = organization;
      next();
    } catch (error) {
      next(error);
    }
  };
}

export function organizationOf(req: { organization?: OrganizationRow }): OrganizationRow {
  if (!req.organization) throw unauthorized();
  return req.organization;
}
