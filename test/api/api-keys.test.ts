/**
 * API keys: revocation refused on the very next request in every API process (two apps on one
 * database stand for two processes), the operator's `api-key` command (create, list, revoke),
 * and the per-key rate limit (429 in Lago's error shape).
 */
import request from 'supertest';
import type { Express } from 'express';
import { buildApp } from '../../src/api/app';
import type { RateLimitSettings } from '../../src/api/rate-limit';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { createApiKey, revokeApiKey } from '../../src/services/organizations';
import { runApiKeyCommand } from '../../src/bootstrap/admin-commands';
import { loadConfig } from '../../src/runtime/config';
import { logger } from '../../src/runtime/logger';
import type { OrganizationRow } from '../../src/db/organizations';

let database: TestDatabase;
let organization: OrganizationRow;
let firstKey: string;

const unavailable = async () => {
  throw new Error('no Temporal here');
};
function app(rateLimit?: RateLimitSettings): Express {
  return buildApp({
    db: database.db,
    workflows: { start: unavailable, view: unavailable, terminate: unavailable, changePlan: unavailable, cancelPlanChange: unavailable, edit: unavailable, notifyUsage: async () => {} },
    clock: { now: async () => Date.now() },
    publicUrl: 'http://billow.test',
    rateLimit,
  });
}
const get = (on: Express, key: string, path = '/api/v1/taxes') => request(on).get(path).set('Authorization', `Bearer ${key}`);

beforeAll(async () => {
  database = await createTestDatabase();
  ({ organization, apiKey: firstKey } = await createTestOrganization(database.db, 'Keys Org'));
});

afterAll(async () => database?.drop());

it('a revoked key is refused on the next request, in every API process at once', async () => {
  const [processA, processB] = [app(), app()];
  const { key, apiKey } = await createApiKey(database.db, { organizationId: organization.id, name: 'to revoke' });
  await get(processA, apiKey).expect(200);
  await get(processB, apiKey).expect(200);
  await revokeApiKey(database.db, key.id);
  expect((await get(processA, apiKey).expect(401)).body).toEqual({ status: 401, error: 'Unauthorized' });
  expect((await get(processB, apiKey).expect(401)).body).toEqual({ status: 401, error: 'Unauthorized' });
  await get(processA, firstKey).expect(200); // the organization's other key still opens it
});

describe('npm run api-key', () => {
  const config = () => loadConfig({ ...process.env, DATABASE_URL: database.url });
  const run = async (...args: string[]) => {
    const lines: string[] = [];
    await runApiKeyCommand(config(), args, logger, (line) => lines.push(line));
    return lines;
  };

  it('create prints the key once; list shows ids, names and masks, never a key; revoke stops it at once', async () => {
    const created = await run('create', '--name', 'ci', '--organization', organization.id);
    const apiKey = /API key \(shown once: store it now\): (blw_\S+)/.exec(created[0]!)?.[1];
    expect(apiKey).toBeDefined();
    const id = /^id (\S+)/.exec(created[1]!)![1]!;
    const mask = `blw_…${apiKey!.slice(-4)}`;
    expect(created[1]).toContain(mask);
    await get(app(), apiKey!).expect(200);

    const listed = await run('list', '--organization', organization.id);
    expect(listed[0]).toMatch(/^id\s+organization\s+name\s+key\s+created\s+revoked$/);
    const row = listed.find((line) => line.startsWith(id));
    expect(row).toMatch(new RegExp(`^${id}\\s+${organization.id}\\s+ci\\s+blw_…${apiKey!.slice(-4)}\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\s+-$`));
    expect(listed.join('\n')).not.toContain(apiKey);
    expect(listed.join('\n')).not.toContain(firstKey);

    const revoked = await run('revoke', id);
    expect(revoked[0]).toMatch(new RegExp(`^Revoked ${id} \\(${mask}\\) at \\S+Z`));
    await get(app(), apiKey!).expect(401);
    expect((await run('list', '--organization', organization.id)).some((line) => line.startsWith(id))).toBe(false);
    expect((await run('list', '--all', '--organization', organization.id)).find((line) => line.startsWith(id))).toMatch(/Z\s+\d{4}-\d\d-\d\dT\S+Z$/);
  });

  it('names what it needs', async () => {
    await expect(run('rotate')).rejects.toThrow(/^Use: npm run api-key -- create/);
    await expect(run('revoke')).rejects.toThrow(/^Use:/);
    await expect(run('revoke', '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'api_key_not_found' });
    await expect(run('create', '--organization', 'nope')).rejects.toThrow(/No organization nope/);
  });
});

describe('per-key rate limit', () => {
  it('answers 429 in Lago\'s error shape past the limit, per key, with the headers Lago\'s clients read', async () => {
    const limited = app({ limit: 3, windowMs: 60_000 });
    const { apiKey: other } = await createApiKey(database.db, { organizationId: organization.id, name: 'other' });
    for (const remaining of [2, 1, 0]) {
      const response = await get(limited, firstKey).expect(200);
      expect(response.headers['x-ratelimit-limit']).toBe('3');
      expect(response.headers['x-ratelimit-remaining']).toBe(String(remaining));
      expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers['x-ratelimit-reset'])).toBeLessThanOrEqual(60);
    }
    const refused = await get(limited, firstKey).expect(429);
    expect(refused.body).toEqual({ status: 429, error: 'Too Many Requests', code: 'too_many_requests' });
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['cache-control']).toBe('no-store');
    // Another key (of the same organization) has its own count; no key at all is a 401, not a 429.
    await get(limited, other).expect(200);
    await request(limited).get('/api/v1/taxes').expect(401);
    await get(limited, 'blw_not_a_key').expect(401);
    // The limit is per process (memory store): a fresh app starts its own count.
    await get(app({ limit: 3, windowMs: 60_000 }), firstKey).expect(200);
  });

  it('a refused request changes nothing', async () => {
    const limited = app({ limit: 1, windowMs: 60_000 });
    const post = () => request(limited).post('/api/v1/taxes').set('Authorization', `Bearer ${firstKey}`).send({ tax: { name: 'VAT', code: `vat_${Date.now()}`, rate: '20' } });
    await post().expect(200);
    const before = (await get(app(), firstKey).expect(200)).body.meta.total_count;
    await post().expect(429);
    expect((await get(app(), firstKey).expect(200)).body.meta.total_count).toBe(before);
  });
});
