/**
 * Bearer API key authentication: every request is scoped to the key's organization. The key is
 * looked up on every request (one indexed query, no cache), so a key revoked in any process is
 * refused on the very next request everywhere (`bench/auth.ts` measures what that costs).
 */
import type { RequestHandler } from 'express';
import type { Db } from '../services/deps';
import { authenticateApiKey, type OrganizationRow } from '../services/organizations';
import { unauthorized } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    organization?: OrganizationRow;
    /** The id of the key the request came with (the rate limit counts per key). */
    apiKeyId?: string;
  }
}

export function authenticate(db: Db): RequestHandler {
  return async (req, _res, next) => {
    try {
      const [scheme, key] = (req.headers.authorization ?? '').trim().split(/\s+/);
      if (scheme?.toLowerCase() !== 'bearer' || !key) throw unauthorized();
      const found = await authenticateApiKey(db, key);
      if (!found) throw unauthorized();
      req.organization = found.organization;
      req.apiKeyId = found.apiKeyId;
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
