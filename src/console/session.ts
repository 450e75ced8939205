/**
 * The console's session routes. `POST /console/session {"api_key": …}` exchanges the
 * organization's key for a session cookie (HttpOnly, SameSite=Strict, never readable by the page);
 * `GET` tells the page who is signed in; `DELETE` signs out. Every `/api/v1` request the console
 * makes is then authorized by `authenticateKeyOrSession` (src/api/auth.ts) exactly like a key.
 */
import { Router, type Request, type Response } from 'express';
import { handle } from '../api/handler';
import { unauthorized } from '../api/errors';
import { CONSOLE_SESSION_COOKIE, readCookie } from '../api/auth';
import type { Db } from '../services/deps';
import { closeConsoleSession, consoleSessionOrganization, openConsoleSession, type OrganizationRow } from '../services/organizations';
import { wallClockMs } from '../runtime/clock';
import { invalidField } from '../runtime/errors';

export interface ConsoleSessionOptions {
  /** How long a session lasts (default 12 hours). */
  lifetimeMs?: number;
  /** How long a wrong key waits before it is refused (default 1 s): slows guessing. */
  refusalDelayMs?: number;
  /** Whether the cookie is marked Secure (the public URL is https). */
  secure: boolean;
  /** In sandbox mode the page shows the clock bar. */
  sandbox: boolean;
  /** The Temporal UI the subscription pages link to (none for the sandbox's time-skipping server). */
  temporalUiUrl: string | null;
  temporalNamespace: string;
}

const TWELVE_HOURS = 12 * 3600_000;

function cookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${CONSOLE_SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function sessionRouter(db: Db, options: ConsoleSessionOptions): Router {
  const lifetimeMs = options.lifetimeMs ?? TWELVE_HOURS;
  const refusalDelayMs = options.refusalDelayMs ?? 1000;
  const router = Router();
  const describe = (organization: OrganizationRow, expiresAtMs: number) => ({
    session: {
      organization: { lago_id: organization.id, name: organization.name, timezone: organization.timezone, default_currency: organization.default_currency },
      expires_at: new Date(expiresAtMs).toISOString(),
      sandbox: options.sandbox,
      temporal_ui_url: options.temporalUiUrl,
      temporal_namespace: options.temporalNamespace,
    },
  });
  const noStore = (res: Response) => res.setHeader('Cache-Control', 'no-store');

  router.post('/console/session', handle(async (req: Request, res: Response) => {
    noStore(res);
    const apiKey = (req.body as { api_key?: unknown } | undefined)?.api_key;
    if (typeof apiKey !== 'string' || apiKey.trim() === '') throw invalidField('api_key', 'value_is_mandatory');
    if (apiKey.length > 500) throw invalidField('api_key', 'value_is_invalid');
    const opened = await openConsoleSession(db, apiKey.trim(), wallClockMs(), lifetimeMs);
    if (!opened) {
      await new Promise((resolve) => setTimeout(resolve, refusalDelayMs));
      throw unauthorized();
    }
    res.setHeader('Set-Cookie', cookie(opened.token, Math.floor(lifetimeMs / 1000), options.secure));
    res.json(describe(opened.organization, opened.expiresAtMs));
  }));

  router.get('/console/session', handle(async (req: Request, res: Response) => {
    noStore(res);
    const token = readCookie(req, CONSOLE_SESSION_COOKIE);
    const session = token ? await consoleSessionOrganization(db, token, wallClockMs()) : undefined;
    if (!session) throw unauthorized();
    res.json(describe(session.organization, session.expiresAtMs));
  }));

  router.delete('/console/session', handle(async (req: Request, res: Response) => {
    noStore(res);
    const token = readCookie(req, CONSOLE_SESSION_COOKIE);
    if (token) await closeConsoleSession(db, token);
    res.setHeader('Set-Cookie', cookie('', 0, options.secure));
    res.json({ session: null });
  }));
  return router;
}
