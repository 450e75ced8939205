/**
 * Console sessions: an organization's API key, typed once into the Billow Console, is exchanged
 * for a random session token (sent back as an HttpOnly cookie by src/console). The session opens
 * the same organization as the key, for a fixed time, and ends when signed out, when it expires,
 * or when the key it was opened with is revoked (or deleted).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';
import {
  deleteConsoleSession, deleteExpiredConsoleSessions, findConsoleSession, hashSessionToken, insertConsoleSession,
} from '../../db/console-sessions';
import { authenticateApiKey } from './api-keys';

export interface OpenedConsoleSession {
  token: string;
  expiresAtMs: number;
  organization: OrganizationRow;
}

/** Opens a session for a valid key (undefined for an unknown one). `nowMs` is wall-clock time, never the sandbox's. */
export async function openConsoleSession(db: Db, apiKey: string, nowMs: number, lifetimeMs: number): Promise<OpenedConsoleSession | undefined> {
  const key = await authenticateApiKey(db, apiKey); // an active key only: a revoked one opens nothing
  if (!key) return undefined;
  await deleteExpiredConsoleSessions(db, nowMs);
  const token = randomBytes(32).toString('base64url');
  const expiresAtMs = nowMs + lifetimeMs;
  await insertConsoleSession(db, { organizationId: key.organization.id, apiKeyId: key.apiKeyId, tokenHash: hashSessionToken(token), expiresAtMs });
  const session = await findConsoleSession(db, hashSessionToken(token), nowMs);
  if (!session) return undefined;
  return { token, expiresAtMs, organization: session.organization };
}

/** The organization a live session opens, or undefined (unknown, expired, or its key deleted). */
export async function consoleSessionOrganization(
  db: Db,
  token: string,
  nowMs: number,
): Promise<{ organization: OrganizationRow; apiKeyId: string; expiresAtMs: number } | undefined> {
  const session = await findConsoleSession(db, hashSessionToken(token), nowMs);
  return session && { organization: session.organization, apiKeyId: session.apiKeyId, expiresAtMs: session.expiresAt.getTime() };
}

export async function closeConsoleSession(db: Db, token: string): Promise<void> {
  await deleteConsoleSession(db, hashSessionToken(token));
}
