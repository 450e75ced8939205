/**
 * The Billow Console's sessions (migration 013). A session token is stored only as its SHA-256
 * hash; a session is valid while it has not expired and the API key it was opened with is active
 * (neither revoked nor deleted).
 */
import { createHash } from 'node:crypto';
import type { Db } from './knex';
import type { OrganizationRow } from './organizations';

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(`console-session:${token}`).digest('hex');
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

/** The organization of an unexpired session whose API key is still active (not revoked), with the key's id and the session's expiry. */
export async function findConsoleSession(
  db: Db,
  tokenHash: string,
  nowMs: number,
): Promise<{ organization: OrganizationRow; apiKeyId: string; expiresAt: Date } | undefined> {
  const row = await db('console_sessions')
    .join('api_keys', 'api_keys.id', 'console_sessions.api_key_id')
    .join('organizations', 'organizations.id', 'console_sessions.organization_id')
    .where('console_sessions.token_hash', tokenHash)
    .andWhere('console_sessions.expires_at', '>', new Date(nowMs))
    .whereNull('api_keys.revoked_at')
    .first<(OrganizationRow & { session_expires_at: Date; session_api_key_id: string }) | undefined>(
      'organizations.*', 'console_sessions.expires_at as session_expires_at', 'console_sessions.api_key_id as session_api_key_id',
    );
  if (!row) return undefined;
  const { session_expires_at: expiresAt, session_api_key_id: apiKeyId, ...organization } = row;
  return { organization: organization as OrganizationRow, apiKeyId, expiresAt };
}

export async function deleteConsoleSession(db: Db, tokenHash: string): Promise<number> {
  return db('console_sessions').where({ token_hash: tokenHash }).delete();
}

export async function deleteExpiredConsoleSessions(db: Db, nowMs: number): Promise<number> {
  return db('console_sessions').where('expires_at', '<=', new Date(nowMs)).delete();
}
