/**
 * The Billow Console's sessions (migration 013). A session token is stored only as its SHA-256
 * hash; a session is valid while it has not expired and the API key it was opened with exists.
 */
import { createHash } from 'node:crypto';
import type { Db } from './knex';
import { hashApiKey, type OrganizationRow } from './organizations';

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(`console-session:${token}`).digest('hex');
}

/** The stored key an API key opens (its id and organization), or undefined. */
export async function findApiKey(db: Db, apiKey: string): Promise<{ id: string; organization_id: string } | undefined> {
  const row = await db('api_keys').where('key_hash', hashApiKey(apiKey)).first<{ id: string; organization_id: string } | undefined>('id', 'organization_id');
  return row && { id: row.id, organization_id: row.organization_id };
}

export async function insertConsoleSession(
  db: Db,
  session: { organizationId: string; apiKeyId: string; tokenHash: string; expiresAtMs: number },
): Promise<void> {
  await db('console_sessions').insert({
    organization_id: session.organizationId,
    api_key_id: session.apiKeyId,
    token_hash: session.tokenHash,
    expires_at: new Date(session.expiresAtMs),
  });
}

/** The organization of an unexpired session whose API key still exists, with the session's expiry. */
export async function findConsoleSession(
  db: Db,
  tokenHash: string,
  nowMs: number,
): Promise<{ organization: OrganizationRow; expiresAt: Date } | undefined> {
  const row = await db('console_sessions')
    .join('api_keys', 'api_keys.id', 'console_sessions.api_key_id')
    .join('organizations', 'organizations.id', 'console_sessions.organization_id')
    .where('console_sessions.token_hash', tokenHash)
    .andWhere('console_sessions.expires_at', '>', new Date(nowMs))
    .first<(OrganizationRow & { session_expires_at: Date }) | undefined>('organizations.*', 'console_sessions.expires_at as session_expires_at');
  if (!row) return undefined;
  const { session_expires_at: expiresAt, ...organization } = row;
  return { organization: organization as OrganizationRow, expiresAt };
}

export async function deleteConsoleSession(db: Db, tokenHash: string): Promise<number> {
  return db('console_sessions').where({ token_hash: tokenHash }).delete();
}

export async function deleteExpiredConsoleSessions(db: Db, nowMs: number): Promise<number> {
  return db('console_sessions').where('expires_at', '<=', new Date(nowMs)).delete();
}
