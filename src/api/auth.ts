/**
 * Bearer API key authentication: every request is scoped to the key's organization. The key is
 * looked up on every request (one indexed query, no cache), so a key revoked in any process is
 * refused on the very next request everywhere (`bench/auth.ts` measures what that costs).
 */
import type { RequestHandler } from 'express';
import type { Db } from '../services/deps';
import { authenticateApiKey, consoleSessionOrganization, type OrganizationRow } from '../services/organizations';
import { unauthorized } from './errors';
import { wallClockMs } from '../runtime/clock';

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

// The Billow Console's path (src/console): a session cookie opened with an API key ---------------

/** The console's session cookie: HttpOnly, SameSite=Strict, set by `POST /console/session`. */
export const CONSOLE_SESSION_COOKIE = 'billow_session';

/** One cookie's value from the Cookie header, or undefined. */
export function readCookie(req: { headers: { cookie?: string } }, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      const value = part.slice(at + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/**
 * A console session resolves to its organization exactly as a key does, and counts against its
 * key's rate limit (no cache: signing out or revoking the key ends it at once). Expiry is
 * wall-clock time, never the sandbox's clock.
 */
export function authenticateConsoleSession(db: Db): RequestHandler {
  return async (req, _res, next) => {
    try {
      const token = readCookie(req, CONSOLE_SESSION_COOKIE);
      const session = token ? await consoleSessionOrganization(db, token, wallClockMs()) : undefined;
      if (!session) throw unauthorized();
      req.organization = session.organization;
      req.apiKeyId = session.apiKeyId;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** The API's door: a Bearer key when an Authorization header is sent, else the console's session cookie. */
export function authenticateKeyOrSession(db: Db): RequestHandler {
  const byKey = authenticate(db);
  const bySession = authenticateConsoleSession(db);
  return (req, res, next) => (req.headers.authorization === undefined && readCookie(req, CONSOLE_SESSION_COOKIE) ? bySession : byKey)(req, res, next);
}
