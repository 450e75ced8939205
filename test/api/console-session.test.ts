/**
 * The Billow Console's sign-in (src/console/session.ts, src/api/auth.ts): an API key is exchanged
 * for an HttpOnly, SameSite=Strict session cookie stored hashed in Postgres; the session opens its
 * organization's `/api/v1` exactly like the key (and nothing of another organization); it expires,
 * signing out ends it, revoking (or deleting) its key ends it; a wrong key is refused after a delay.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { buildApp } from '../../src/api/app';
import { consoleRouter, type ConsoleOptions } from '../../src/console';
import { authenticateApiKey, revokeApiKey } from '../../src/services/organizations';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';

let database: TestDatabase;
const distDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-console-dist-'));

function appWith(options: Partial<ConsoleOptions> = {}, rateLimit?: { limit: number; windowMs: number }): Express {
  const unavailable = async () => {
    throw new Error('no Temporal here');
  };
  return buildApp(
    {
      db: database.db,
      workflows: { start: unavailable, view: unavailable, terminate: unavailable, changePlan: unavailable, cancelPlanChange: unavailable, edit: unavailable, notifyUsage: async () => {} },
      clock: { now: async () => Date.now() },
      publicUrl: 'http://billow.test',
      rateLimit,
    },
    { console: consoleRouter(database.db, { sandbox: false, secure: false, temporalUiUrl: null, temporalNamespace: 'default', distDir, refusalDelayMs: 400, ...options }) },
  );
}

/** The `billow_session=…` pair of a Set-Cookie header, as a browser would send it back. */
function sessionCookie(response: request.Response): string {
  const header = ([] as string[]).concat(response.headers['set-cookie'] ?? [])[0] ?? '';
  return header.split(';')[0]!;
}

beforeAll(async () => {
  database = await createTestDatabase();
  fs.writeFileSync(path.join(distDir, 'index.html'), '<!doctype html><title>Billow Console</title><div id="root"></div>');
});
afterAll(async () => {
  await database.drop();
  fs.rmSync(distDir, { recursive: true, force: true });
});

describe('signing in', () => {
  it('exchanges a key for an HttpOnly SameSite=Strict cookie; the token, not the key, is the cookie, and only its hash is stored', async () => {
    const { organization, apiKey } = await createTestOrganization(database.db, 'Console Org A');
    const response = await request(appWith()).post('/console/session').send({ api_key: apiKey });
    expect(response.status).toBe(200);
    expect(response.body.session.organization).toMatchObject({ lago_id: organization.id, name: 'Console Org A' });
    expect(response.headers['cache-control']).toBe('no-store');
    const header = ([] as string[]).concat(response.headers['set-cookie'] ?? [])[0]!;
    expect(header).toMatch(/^billow_session=[A-Za-z0-9_-]{43}; /);
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Strict');
    expect(header).toContain('Path=/');
    expect(header).toContain('Max-Age=43200'); // 12 h × 3600 s
    expect(header).not.toContain(apiKey);
    const token = sessionCookie(response).split('=')[1]!;
    const rows = await database.db('console_sessions').where({ organization_id: organization.id });
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(token);
    // 12 hours from now, within the test's own running time.
    expect(new Date(response.body.session.expires_at).getTime()).toBeGreaterThan(Date.now() + 12 * 3600_000 - 60_000);
  });

  it('refuses a wrong key with 401 after a delay, and sets no cookie', async () => {
    const started = Date.now();
    const response = await request(appWith()).post('/console/session').send({ api_key: 'blw_not_a_key_of_anyone_at_all' });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ status: 401, error: 'Unauthorized' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390); // refusalDelayMs 400, timer granularity aside
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('answers a missing key with 422 naming api_key', async () => {
    const response = await request(appWith()).post('/console/session').send({});
    expect(response.status).toBe(422);
    expect(response.body.error_details).toEqual({ api_key: ['value_is_mandatory'] });
  });
});

describe('a session', () => {
  it('opens its own organization through /api/v1 like a Bearer key, and never another one', async () => {
    const a = await createTestOrganization(database.db, 'Iso A');
    const b = await createTestOrganization(database.db, 'Iso B');
    const app = appWith();
    const metric = { billable_metric: { name: 'Calls', code: 'calls_b', aggregation_type: 'count_agg' } };
    expect((await request(app).post('/api/v1/billable_metrics').set('Authorization', `Bearer ${b.apiKey}`).send(metric)).status).toBe(200);

    const cookie = sessionCookie(await request(app).post('/console/session').send({ api_key: a.apiKey }));
    const mine = await request(app).post('/api/v1/billable_metrics').set('Cookie', cookie).send({ billable_metric: { name: 'Seats', code: 'seats_a', aggregation_type: 'count_agg' } });
    expect(mine.status).toBe(200);
    const list = await request(app).get('/api/v1/billable_metrics').set('Cookie', cookie);
    expect(list.status).toBe(200);
    expect(list.body.billable_metrics.map((m: { code: string }) => m.code)).toEqual(['seats_a']);
    expect((await request(app).get('/api/v1/billable_metrics/calls_b').set('Cookie', cookie)).status).toBe(404);
    // An Authorization header is judged on its own: a wrong key beside a good cookie is refused.
    expect((await request(app).get('/api/v1/billable_metrics').set('Cookie', cookie).set('Authorization', 'Bearer wrong')).status).toBe(401);
    expect((await request(app).get('/api/v1/billable_metrics').set('Cookie', 'billow_session=forged')).status).toBe(401);
    expect((await request(app).get('/api/v1/billable_metrics')).status).toBe(401);
    const who = await request(app).get('/console/session').set('Cookie', cookie);
    expect(who.body.session).toMatchObject({ organization: { name: 'Iso A' }, sandbox: false, temporal_ui_url: null });
  });

  it('counts against its key’s rate limit, with the key’s own requests', async () => {
    const { apiKey } = await createTestOrganization(database.db, 'Limited');
    const app = appWith({}, { limit: 3, windowMs: 60_000 });
    const cookie = sessionCookie(await request(app).post('/console/session').send({ api_key: apiKey }));
    // 3 requests a minute per key: two through the session, one with the key itself, then the fourth is refused.
    expect((await request(app).get('/api/v1/taxes').set('Cookie', cookie)).status).toBe(200);
    expect((await request(app).get('/api/v1/taxes').set('Cookie', cookie)).status).toBe(200);
    expect((await request(app).get('/api/v1/taxes').set('Authorization', `Bearer ${apiKey}`)).status).toBe(200);
    expect((await request(app).get('/api/v1/taxes').set('Cookie', cookie)).status).toBe(429);
  });

  it('ends when signed out', async () => {
    const { apiKey } = await createTestOrganization(database.db, 'Sign out');
    const app = appWith();
    const cookie = sessionCookie(await request(app).post('/console/session').send({ api_key: apiKey }));
    expect((await request(app).get('/api/v1/taxes').set('Cookie', cookie)).status).toBe(200);
    const out = await request(app).delete('/console/session').set('Cookie', cookie);
    expect(out.status).toBe(200);
    expect(([] as string[]).concat(out.headers['set-cookie'] ?? [])[0]).toContain('Max-Age=0');
    expect((await request(app).get('/api/v1/taxes').set('Cookie', cookie)).status).toBe(401);
    expect((await request(app).get('/console/session').set('Cookie', cookie)).status).toBe(401);
  });

  it('expires', async () => {
    const { apiKey } = await createTestOrganization(database.db, 'Expiry');
    const app = appWith({ lifetimeMs: 1500 });
    const cookie = sessionCookie(await request(app).post('/console/session').send({ api_key: apiKey }));
    expect((await request(app).get('/api/v1/taxes').set('Cookie', cookie)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expect((await request(app).get('/api/v1/taxes').set('Cookie', cookie)).status).toBe(401);
  });

  it('ends when the key it was opened with is revoked, and a revoked key opens no session', async () => {
    const { apiKey } = await createTestOrganization(database.db, 'Revoked');
    const app = appWith();
    const cookie = sessionCookie(await request(app).post('/console/session').send({ api_key: apiKey }));
    expect((await request(app).get('/api/v1/taxes').set('Cookie', cookie)).status).toBe(200);
    const found = await authenticateApiKey(database.db, apiKey);
    await revokeApiKey(database.db, found!.apiKeyId);
    expect((await request(app).get('/api/v1/taxes').set('Cookie', cookie)).status).toBe(401);
    expect((await request(app).get('/console/session').set('Cookie', cookie)).status).toBe(401);
    expect((await request(app).post('/console/session').send({ api_key: apiKey })).status).toBe(401);
  });

  it('ends when the key it was opened with is deleted', async () => {
    const { organization, apiKey } = await createTestOrganization(database.db, 'Deleted key');
    const app = appWith();
    const cookie = sessionCookie(await request(app).post('/console/session').send({ api_key: apiKey }));
    expect((await request(app).get('/api/v1/taxes').set('Cookie', cookie)).status).toBe(200);
    await database.db('api_keys').where({ organization_id: organization.id }).delete();
    expect((await request(app).get('/api/v1/taxes').set('Cookie', cookie)).status).toBe(401);
    expect(await database.db('console_sessions').where({ organization_id: organization.id })).toHaveLength(0);
  });
});

describe('the page', () => {
  it('/ redirects to /console/, and every /console path is the app, with a strict CSP', async () => {
    const app = appWith();
    const root = await request(app).get('/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/console/');
    for (const url of ['/console', '/console/', '/console/customers/acme']) {
      const page = await request(app).get(url);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<div id="root">');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['x-frame-options']).toBe('DENY');
    }
    expect((await request(app).get('/console/assets/missing.js')).status).toBe(404);
  });
});
