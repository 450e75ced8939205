/**
 * Features and entitlements (issue 16 point 7), with Lago's semantics (lago-api: Entitlement::*
 * services and SubscriptionEntitlementQuery): features CRUD, a plan's entitlements replaced,
 * merged and removed, a subscription's overrides merged over its plan's, and the validation
 * errors (each changing nothing). Every expected value is the one the request set, as Lago casts it.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { seedCustomer } from '../support/money';
import { seedSubscription } from '../support/ledger';
import { findPlanByCode } from '../../src/db/plans';

let database: TestDatabase;
type Api = Awaited<ReturnType<typeof createPlainTestApi>>;
let api: Api;
let other: Api;
const TIMESTAMP = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
const ENTITLEMENT_TABLES = ['features', 'privileges', 'entitlements', 'entitlement_values', 'entitlement_removals'];

/** Every row of the entitlement tables, to show a refused request wrote nothing. */
async function rows(): Promise<string> {
  const all: Record<string, unknown[]> = {};
  for (const table of ENTITLEMENT_TABLES) all[table] = await database.db(table).orderBy('id').select('*');
  return JSON.stringify(all);
}

async function webhookTypes(objectType: string): Promise<string[]> {
  return database.db('webhook_events').where({ organization_id: api.organization.id, object_type: objectType }).orderBy('created_at').pluck('webhook_type');
}

const SEATS = {
  code: 'seats', name: 'Number of seats', description: 'Users of the account', privileges: [
    { code: 'max', name: 'Maximum', value_type: 'integer' },
    { code: 'root', name: 'Allow root user', value_type: 'boolean' },
    { code: 'provider', name: 'SSO Provider', value_type: 'select', config: { select_options: ['google', 'okta'] } },
    { code: 'tier' },
  ],
};

/** A privilege as Lago shows it: config `{}` unless a select; `value_type` string by default. */
const privilege = (code: string, name: string | null, valueType: string, config: Record<string, unknown> = {}) => ({ code, name, value_type: valueType, config });
const MAX = privilege('max', 'Maximum', 'integer');
const ROOT = privilege('root', 'Allow root user', 'boolean');
const PROVIDER = privilege('provider', 'SSO Provider', 'select', { select_options: ['google', 'okta'] });
const TIER = privilege('tier', null, 'string');

function unprocessable(details: Record<string, string[]>) {
  return { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: details };
}
const notFound = (resource: string) => ({ status: 404, error: 'Not Found', code: `${resource}_not_found` });

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db);
  other = await createPlainTestApi(database.db, 'Another Org');
});

afterAll(async () => {
  await database?.drop();
});

describe('features', () => {
  it('creates a feature with typed privileges and shows it as Lago does', async () => {
    const res = await api.post('/features', { feature: SEATS });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      feature: { code: 'seats', name: 'Number of seats', description: 'Users of the account', privileges: [MAX, ROOT, PROVIDER, TIER], created_at: TIMESTAMP },
    });
    expect((await api.get('/features/seats')).body).toEqual(res.body);
    expect(await webhookTypes('feature')).toEqual(['feature.created']);
  });

  it('refuses bad features with Lago\'s errors, writing nothing', async () => {
    const before = await rows();
    const cases: [unknown, Record<string, string[]>][] = [
      [{ ...SEATS }, { code: ['value_already_exist'] }],
      [{ name: 'No code' }, { code: ['value_is_mandatory'] }],
      [{ code: '   ' }, { code: ['value_is_mandatory'] }],
      [{ code: 'x'.repeat(256) }, { code: ['value_is_too_long'] }],
      [{ code: 'long_name', name: 'n'.repeat(256) }, { name: ['value_is_too_long'] }],
      [{ code: 'long_description', description: 'd'.repeat(601) }, { description: ['value_is_too_long'] }],
      [{ code: 'dup', privileges: [{ code: 'max' }, { code: 'max', value_type: 'integer' }] }, { 'privilege.code': ['value_is_duplicated'] }],
      [{ code: 'float', privileges: [{ code: 'ratio', value_type: 'float' }] }, { 'privilege.value_type': ['value_is_invalid'] }],
      // A select needs a non-empty list of strings as its only config; other types take none.
      [{ code: 'sel', privileges: [{ code: 'provider', value_type: 'select' }] }, { 'privilege.config': ['invalid_format'] }],
      [{ code: 'sel', privileges: [{ code: 'provider', value_type: 'select', config: { select_options: [] } }] }, { 'privilege.config': ['invalid_format'] }],
      [{ code: 'sel', privileges: [{ code: 'provider', value_type: 'select', config: { select_options: ['a', 1] } }] }, { 'privilege.config': ['invalid_format'] }],
      [{ code: 'int', privileges: [{ code: 'max', value_type: 'integer', config: { select_options: ['a'] } }] }, { 'privilege.config': ['invalid_format'] }],
    ];
    for (const [feature, details] of cases) {
      const res = await api.post('/features', { feature });
      expect({ status: res.status, body: res.body }).toEqual({ status: 422, body: unprocessable(details) });
    }
    const missing = await api.post('/features', {});
    expect(missing.status).toBe(400);
    expect(await rows()).toBe(before);
  });

  it('lists newest first, searches name, code and description, and paginates', async () => {
    await api.post('/features', { feature: { code: 'sso', name: 'Single sign-on', privileges: [{ code: 'provider', value_type: 'select', config: { select_options: ['google', 'okta'] } }] } }).expect(200);
    await api.post('/features', { feature: { code: 'audit_logs', description: 'Who did what' } }).expect(200);
    const all = await api.get('/features');
    expect(all.body.features.map((f: { code: string }) => f.code)).toEqual(['audit_logs', 'sso', 'seats']);
    expect(all.body.meta).toEqual({ current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 3 });
    // "SIGN" is in sso's name; "what" in audit_logs' description; "seat" in seats' code; case-insensitive.
    expect((await api.get('/features?search_term=SIGN')).body.features.map((f: { code: string }) => f.code)).toEqual(['sso']);
    expect((await api.get('/features?search_term=what')).body.features.map((f: { code: string }) => f.code)).toEqual(['audit_logs']);
    expect((await api.get('/features?search_term=seat')).body.features.map((f: { code: string }) => f.code)).toEqual(['seats']);
    // 3 features, 2 a page: page 2 holds the oldest.
    const page = await api.get('/features?page=2&per_page=2');
    expect(page.body.features.map((f: { code: string }) => f.code)).toEqual(['seats']);
    expect(page.body.meta).toEqual({ current_page: 2, next_page: null, prev_page: 1, total_pages: 2, total_count: 3 });
    // Another organization sees none of them, and may use the same codes.
    expect((await other.get('/features')).body).toEqual({ features: [], meta: { current_page: 0, next_page: null, prev_page: null, total_pages: 0, total_count: 0 } });
    expect((await other.get('/features/seats')).body).toEqual(notFound('feature'));
  });

  it('updates partially: names, new privileges, select options only gained; refuses another value type', async () => {
    const res = await api.put('/features/audit_logs', { feature: {
      name: 'Audit logs',
      privileges: [{ code: 'retention_days', name: 'Retention', value_type: 'integer' }, { code: 'export', value_type: 'boolean' }],
    } });
    expect(res.status).toBe(200);
    expect(res.body.feature).toEqual({
      code: 'audit_logs', name: 'Audit logs', description: 'Who did what', created_at: TIMESTAMP,
      privileges: [privilege('retention_days', 'Retention', 'integer'), privilege('export', null, 'boolean')],
    });
    // Only what is sent changes: the description stays; the existing privilege gains okta's sibling
    // "azure" (google, okta kept: options are never removed), and is renamed.
    const sso = await api.put('/features/sso', { feature: { privileges: [{ code: 'provider', name: 'Provider', config: { select_options: ['okta', 'azure'] } }] } });
    expect(sso.body.feature.privileges).toEqual([privilege('provider', 'Provider', 'select', { select_options: ['google', 'okta', 'azure'] })]);
    expect(sso.body.feature.name).toBe('Single sign-on');

    const before = await rows();
    const retype = await api.put('/features/audit_logs', { feature: { name: 'Renamed', privileges: [{ code: 'export', value_type: 'integer' }] } });
    expect(retype.body).toEqual(unprocessable({ 'privilege.value_type': ['value_is_invalid'] }));
    const options = await api.put('/features/audit_logs', { feature: { privileges: [{ code: 'export', config: { select_options: ['a'] } }] } });
    expect(options.body).toEqual(unprocessable({ 'privilege.config': ['invalid_format'] }));
    expect((await api.put('/features/nope', { feature: { name: 'x' } })).body).toEqual(notFound('feature'));
    expect((await other.put('/features/audit_logs', { feature: { name: 'x' } })).body).toEqual(notFound('feature'));
    expect(await rows()).toBe(before);
  });

  it('deletes a privilege, then a feature, answering them', async () => {
    const res = await api.delete('/features/audit_logs/privileges/export');
    expect(res.body.feature.privileges).toEqual([privilege('retention_days', 'Retention', 'integer')]);
    expect((await api.delete('/features/audit_logs/privileges/export')).body).toEqual(notFound('privilege'));
    expect((await api.delete('/features/nope/privileges/export')).body).toEqual(notFound('feature'));
    const deleted = await api.delete('/features/audit_logs');
    expect(deleted.body.feature).toMatchObject({ code: 'audit_logs', privileges: [privilege('retention_days', 'Retention', 'integer')] });
    expect((await api.get('/features/audit_logs')).body).toEqual(notFound('feature'));
    // The code is free again.
    await api.post('/features', { feature: { code: 'audit_logs' } }).expect(200);
    await api.delete('/features/audit_logs').expect(200);
    expect(await webhookTypes('feature')).toEqual([
      'feature.created', 'feature.created', 'feature.created', 'feature.updated', 'feature.updated', 'feature.updated', 'feature.deleted',
      'feature.created', 'feature.deleted',
    ]);
  });
});

describe("a plan's entitlements", () => {
  const planBody = (code: string) => ({ plan: { name: code, code, interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false } });
  const SSO_PROVIDER = privilege('provider', 'Provider', 'select', { select_options: ['google', 'okta', 'azure'] });

  beforeAll(async () => {
    await api.post('/plans', planBody('startup')).expect(200);
  });

  it('POST replaces them: each value cast to its privilege\'s type, in the order sent', async () => {
    const res = await api.post('/plans/startup/entitlements', { entitlements: {
      seats: { max: 10, root: true, provider: 'google', tier: 'gold' },
      sso: { provider: 'okta' },
    } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ entitlements: [
      { code: 'seats', name: 'Number of seats', description: 'Users of the account', privileges: [
        { ...MAX, value: 10 }, { ...ROOT, value: true }, { ...PROVIDER, value: 'google' }, { ...TIER, value: 'gold' },
      ] },
      { code: 'sso', name: 'Single sign-on', description: null, privileges: [{ ...SSO_PROVIDER, value: 'okta' }] },
    ] });
    expect((await api.get('/plans/startup/entitlements')).body).toEqual(res.body);
    // The plan object shows them too (GET /plans/:code and the list).
    expect((await api.get('/plans/startup')).body.plan.entitlements).toEqual(res.body.entitlements);
    expect((await api.get('/plans')).body.plans[0].entitlements).toEqual(res.body.entitlements);
    expect((await api.get('/plans/startup/entitlements/sso')).body).toEqual({ entitlement: res.body.entitlements[1] });
  });

  it('accepts integers and booleans spelt as strings, as Lago does', async () => {
    const res = await api.patch('/plans/startup/entitlements', { entitlements: { seats: { max: '12', root: 'false' } } });
    expect(res.body.entitlements[0].privileges.slice(0, 2)).toEqual([{ ...MAX, value: 12 }, { ...ROOT, value: false }]);
  });

  it('PATCH merges: what is left out is kept', async () => {
    const res = await api.patch('/plans/startup/entitlements', { entitlements: { seats: { max: 20 } } });
    expect(res.body.entitlements.map((e: { code: string; privileges: { code: string; value: unknown }[] }) => [e.code, e.privileges.map((p) => [p.code, p.value])])).toEqual([
      ['seats', [['max', 20], ['root', false], ['provider', 'google'], ['tier', 'gold']]],
      ['sso', [['provider', 'okta']]],
    ]);
  });

  it('refuses values that do not fit their privilege, unknown features and privileges, writing nothing', async () => {
    const before = await rows();
    const invalid: [Record<string, unknown>, Record<string, string[]>][] = [
      [{ seats: { max: 'ten' } }, { max_privilege_value: ['value_is_invalid'] }],
      [{ seats: { max: 1.5 } }, { max_privilege_value: ['value_is_invalid'] }],
      [{ seats: { max: '015' } }, { max_privilege_value: ['value_is_invalid'] }],
      [{ seats: { max: true } }, { max_privilege_value: ['value_is_invalid'] }],
      [{ seats: { max: null } }, { max_privilege_value: ['value_is_mandatory'] }],
      [{ seats: { root: 'yes' } }, { root_privilege_value: ['value_is_invalid'] }],
      [{ seats: { root: 1 } }, { root_privilege_value: ['value_is_invalid'] }],
      [{ seats: { provider: 'azure' } }, { provider_privilege_value: ['value_not_in_select_options'] }],
      [{ seats: { tier: 3 } }, { tier_privilege_value: ['value_is_invalid'] }],
      [{ seats: { tier: '' } }, { tier_privilege_value: ['value_is_mandatory'] }],
      // Every problem of the body at once, the valid values of it not written either.
      [{ seats: { max: 'x', provider: 'azure', root: true }, sso: { provider: 'okta' } }, { max_privilege_value: ['value_is_invalid'], provider_privilege_value: ['value_not_in_select_options'] }],
    ];
    for (const method of ['post', 'patch'] as const) {
      for (const [entitlements, details] of invalid) {
        const res = await api[method]('/plans/startup/entitlements', { entitlements });
        expect({ status: res.status, body: res.body }).toEqual({ status: 422, body: unprocessable(details) });
      }
      expect((await api[method]('/plans/startup/entitlements', { entitlements: { nope: { max: 1 } } })).body).toEqual(notFound('feature'));
      expect((await api[method]('/plans/startup/entitlements', { entitlements: { seats: { nope: 1 } } })).body).toEqual(notFound('privilege'));
      expect((await api[method]('/plans/startup/entitlements', { entitlements: { seats: 5 } })).body).toEqual(unprocessable({ 'entitlements.seats': ['value_is_invalid'] }));
      expect((await api[method]('/plans/nope/entitlements', { entitlements: { seats: { max: 1 } } })).body).toEqual(notFound('plan'));
    }
    // Another organization: neither the plan nor the feature is there.
    expect((await other.get('/plans/startup/entitlements')).body).toEqual(notFound('plan'));
    await other.post('/plans', planBody('startup')).expect(200);
    expect((await other.post('/plans/startup/entitlements', { entitlements: { seats: { max: 1 } } })).body).toEqual(notFound('feature'));
    expect(await rows()).toBe(before);
  });

  it('POST drops the features and the privileges left out (a feature sent empty keeps its values, as Lago)', async () => {
    const res = await api.post('/plans/startup/entitlements', { entitlements: { seats: { max: 30, provider: 'okta' } } });
    expect(res.body.entitlements).toEqual([
      { code: 'seats', name: 'Number of seats', description: 'Users of the account', privileges: [{ ...MAX, value: 30 }, { ...PROVIDER, value: 'okta' }] },
    ]);
    const empty = await api.post('/plans/startup/entitlements', { entitlements: { seats: {} } });
    expect(empty.body).toEqual(res.body);
    // A body without entitlements replaces them with none.
    await api.post('/plans', planBody('scratch')).expect(200);
    await api.post('/plans/scratch/entitlements', { entitlements: { sso: { provider: 'google' } } }).expect(200);
    expect((await api.post('/plans/scratch/entitlements', {})).body).toEqual({ entitlements: [] });
  });

  it('removes a privilege, then the feature, answering the entitlement', async () => {
    const res = await api.delete('/plans/startup/entitlements/seats/privileges/provider');
    expect(res.body).toEqual({ entitlement: { code: 'seats', name: 'Number of seats', description: 'Users of the account', privileges: [{ ...MAX, value: 30 }] } });
    expect((await api.delete('/plans/startup/entitlements/seats/privileges/provider')).body).toEqual(notFound('privilege'));
    // The privilege stays on its feature.
    expect((await api.get('/features/seats')).body.feature.privileges.map((p: { code: string }) => p.code)).toEqual(['max', 'root', 'provider', 'tier']);
    const deleted = await api.delete('/plans/startup/entitlements/seats');
    expect(deleted.body).toEqual(res.body);
    expect((await api.get('/plans/startup/entitlements/seats')).body).toEqual(notFound('entitlement'));
    expect((await api.delete('/plans/startup/entitlements/seats')).body).toEqual(notFound('entitlement'));
    expect((await api.get('/plans/startup/entitlements')).body).toEqual({ entitlements: [] });
  });

  it('records plan.updated for each change', async () => {
    const plan = (await findPlanByCode(database.db, api.organization.id, 'startup'))!;
    const types = await database.db('webhook_events').where({ object_type: 'plan', object_id: plan.id }).orderBy('created_at').pluck('webhook_type');
    // created; POST, PATCH (strings), PATCH, POST, POST (empty), DELETE privilege, DELETE feature: 7 updates.
    expect(types).toEqual(['plan.created', ...Array(7).fill('plan.updated')]);
  });
});

describe("a subscription's entitlements: its plan's, with its own overrides", () => {
  const planBody = (code: string) => ({ plan: { name: code, code, interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false } });
  const SSO_PROVIDER = privilege('provider', 'Provider', 'select', { select_options: ['google', 'okta', 'azure'] });
  /** A privilege of a subscription's entitlement: its value, its plan's, its override. */
  const sub = (base: object, value: unknown, planValue: unknown, overrideValue: unknown) => ({ ...base, value, plan_value: planValue, override_value: overrideValue });
  const SEATS_HEAD = { code: 'seats', name: 'Number of seats', description: 'Users of the account' };
  const SSO_HEAD = { code: 'sso', name: 'Single sign-on', description: null };

  beforeAll(async () => {
    await api.post('/plans', planBody('team')).expect(200);
    await api.post('/plans/team/entitlements', { entitlements: { seats: { max: 10, root: true, provider: 'google' } } }).expect(200);
    const customer = await seedCustomer(database.db, api.organization.id, 'cust-1');
    const plan = (await findPlanByCode(database.db, api.organization.id, 'team'))!;
    await seedSubscription(database.db, customer, plan, 'sub-1', { startedAt: '2026-11-01T00:00:00Z' });
    await seedSubscription(database.db, customer, plan, 'sub-2', { startedAt: '2026-11-01T00:00:00Z' });
  });

  it("starts as its plan's: no overrides", async () => {
    const res = await api.get('/subscriptions/sub-1/entitlements');
    expect(res.body).toEqual({ entitlements: [{
      ...SEATS_HEAD,
      privileges: [sub(MAX, 10, 10, null), sub(ROOT, true, true, null), sub(PROVIDER, 'google', 'google', null)],
      overrides: {},
    }] });
  });

  it('PATCH overrides values: the override wins, the plan value is shown beside it', async () => {
    const res = await api.patch('/subscriptions/sub-1/entitlements', { entitlements: { seats: { max: 15, provider: 'okta' } } });
    expect(res.body).toEqual({ entitlements: [{
      ...SEATS_HEAD,
      privileges: [sub(MAX, 15, 10, 15), sub(ROOT, true, true, null), sub(PROVIDER, 'okta', 'google', 'okta')],
      overrides: { max: 15, provider: 'okta' },
    }] });
    expect((await api.get('/subscriptions/sub-1/entitlements')).body).toEqual(res.body);
    // The plan and the other subscription on it are untouched.
    expect((await api.get('/plans/team/entitlements')).body.entitlements[0].privileges.map((p: { value: unknown }) => p.value)).toEqual([10, true, 'google']);
    expect((await api.get('/subscriptions/sub-2/entitlements')).body.entitlements[0].overrides).toEqual({});
  });

  it("a value equal to the plan's drops its override; a feature the plan lacks is added", async () => {
    const res = await api.patch('/subscriptions/sub-1/entitlements', { entitlements: { seats: { max: 10 }, sso: { provider: 'azure' } } });
    expect(res.body).toEqual({ entitlements: [
      { ...SEATS_HEAD, privileges: [sub(MAX, 10, 10, null), sub(ROOT, true, true, null), sub(PROVIDER, 'okta', 'google', 'okta')], overrides: { provider: 'okta' } },
      { ...SSO_HEAD, privileges: [sub(SSO_PROVIDER, 'azure', null, 'azure')], overrides: { provider: 'azure' } },
    ] });
  });

  it("removes a plan's privilege from this subscription only, and a PATCH brings it back", async () => {
    const removed = await api.delete('/subscriptions/sub-1/entitlements/seats/privileges/root');
    expect(removed.body.entitlements[0]).toEqual({ ...SEATS_HEAD, privileges: [sub(MAX, 10, 10, null), sub(PROVIDER, 'okta', 'google', 'okta')], overrides: { provider: 'okta' } });
    expect((await api.get('/plans/team/entitlements/seats')).body.entitlement.privileges.map((p: { code: string }) => p.code)).toEqual(['max', 'root', 'provider']);
    const back = await api.patch('/subscriptions/sub-1/entitlements', { entitlements: { seats: { root: false } } });
    expect(back.body.entitlements[0].privileges).toEqual([sub(MAX, 10, 10, null), sub(ROOT, false, true, false), sub(PROVIDER, 'okta', 'google', 'okta')]);
    expect(back.body.entitlements[0].overrides).toEqual({ root: false, provider: 'okta' });
  });

  it("removes a plan's feature from this subscription only; sending the plan's values restores it without overrides", async () => {
    const removed = await api.delete('/subscriptions/sub-1/entitlements/seats');
    expect(removed.body).toEqual({ entitlements: [{ ...SSO_HEAD, privileges: [sub(SSO_PROVIDER, 'azure', null, 'azure')], overrides: { provider: 'azure' } }] });
    expect((await api.get('/subscriptions/sub-2/entitlements')).body.entitlements.map((e: { code: string }) => e.code)).toEqual(['seats']);
    const restored = await api.patch('/subscriptions/sub-1/entitlements', { entitlements: { seats: { max: 10, root: true, provider: 'google' } } });
    expect(restored.body.entitlements).toEqual([
      { ...SEATS_HEAD, privileges: [sub(MAX, 10, 10, null), sub(ROOT, true, true, null), sub(PROVIDER, 'google', 'google', null)], overrides: {} },
      { ...SSO_HEAD, privileges: [sub(SSO_PROVIDER, 'azure', null, 'azure')], overrides: { provider: 'azure' } },
    ]);
    // An override-only feature just goes.
    const dropped = await api.delete('/subscriptions/sub-1/entitlements/sso');
    expect(dropped.body.entitlements.map((e: { code: string }) => e.code)).toEqual(['seats']);
  });

  it("follows the plan's later changes where the subscription has no override", async () => {
    await api.patch('/subscriptions/sub-1/entitlements', { entitlements: { seats: { max: 25 } } }).expect(200);
    await api.patch('/plans/team/entitlements', { entitlements: { seats: { max: 12, provider: 'okta' } } }).expect(200);
    const res = await api.get('/subscriptions/sub-1/entitlements');
    expect(res.body.entitlements[0].privileges).toEqual([sub(MAX, 25, 12, 25), sub(ROOT, true, true, null), sub(PROVIDER, 'okta', 'okta', null)]);
  });

  it('refuses bad overrides with the errors of the plan routes, writing nothing', async () => {
    const before = await rows();
    expect((await api.patch('/subscriptions/sub-1/entitlements', { entitlements: { seats: { max: 'many', provider: 'azure' } } })).body)
      .toEqual(unprocessable({ max_privilege_value: ['value_is_invalid'], provider_privilege_value: ['value_not_in_select_options'] }));
    expect((await api.patch('/subscriptions/sub-1/entitlements', { entitlements: { nope: { max: 1 } } })).body).toEqual(notFound('feature'));
    expect((await api.patch('/subscriptions/sub-1/entitlements', { entitlements: { seats: { nope: 1 } } })).body).toEqual(notFound('privilege'));
    expect((await api.delete('/subscriptions/sub-1/entitlements/nope')).body).toEqual(notFound('feature'));
    expect((await api.delete('/subscriptions/sub-1/entitlements/seats/privileges/nope')).body).toEqual(notFound('privilege'));
    expect((await api.get('/subscriptions/nope/entitlements')).body).toEqual(notFound('subscription'));
    expect((await api.get('/subscriptions/sub-1/entitlements?subscription_status=terminated')).body).toEqual(notFound('subscription'));
    expect((await other.get('/subscriptions/sub-1/entitlements')).body).toEqual(notFound('subscription'));
    expect((await other.patch('/subscriptions/sub-1/entitlements', { entitlements: { seats: { max: 1 } } })).body).toEqual(notFound('subscription'));
    expect(await rows()).toBe(before);
  });

  it('records subscription.updated for each change', async () => {
    const subscription = await database.db('subscriptions').where({ organization_id: api.organization.id, external_id: 'sub-1' }).first('id');
    const types = await database.db('webhook_events').where({ object_type: 'subscription', object_id: subscription.id }).pluck('webhook_type');
    // PATCH ×2, DELETE privilege, PATCH, DELETE feature, PATCH, DELETE feature, PATCH: 8.
    expect(types).toEqual(Array(8).fill('subscription.updated'));
  });

  it('deleting a feature removes it from plans and subscriptions (plan.updated for each plan)', async () => {
    const team = (await findPlanByCode(database.db, api.organization.id, 'team'))!;
    const updatesBefore = await database.db('webhook_events').where({ object_type: 'plan', object_id: team.id, webhook_type: 'plan.updated' }).count({ n: '*' });
    await api.delete('/features/seats').expect(200);
    expect((await api.get('/plans/team/entitlements')).body).toEqual({ entitlements: [] });
    expect((await api.get('/subscriptions/sub-1/entitlements')).body).toEqual({ entitlements: [] });
    const updatesAfter = await database.db('webhook_events').where({ object_type: 'plan', object_id: team.id, webhook_type: 'plan.updated' }).count({ n: '*' });
    expect(Number(updatesAfter[0]!.n) - Number(updatesBefore[0]!.n)).toBe(1);
    // seats was the last feature granted anywhere (team's, and sub-1's override of max): nothing is left.
    for (const table of ['entitlements', 'entitlement_values', 'entitlement_removals']) {
      expect(await database.db(table).where({ organization_id: api.organization.id }).pluck('id')).toEqual([]);
    }
    expect(await database.db('privileges').where({ organization_id: api.organization.id }).orderBy('code').pluck('code')).toEqual(['provider']); // sso's
  });
});
