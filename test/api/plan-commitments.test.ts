/**
 * Issue 16 pt 4 on the wire: a plan's `minimum_commitment` (stored, shown in Lago's shape, changed
 * and removed as Lago's PlanUpdate does) and charges' `min_amount_cents` (honoured, not with
 * pay_in_advance). Bad input is a 422 naming the field and writes nothing.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { CATALOG_TABLES, keysOf, snapshot } from '../support/catalog';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;
let callsId: string;

const TABLES = [...CATALOG_TABLES, 'commitments', 'commitment_taxes'];
const TIMESTAMP = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
const UUID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
const COMMITMENT_KEYS = ['amount_cents', 'created_at', 'interval', 'invoice_display_name', 'lago_id', 'plan_code', 'taxes', 'updated_at'];

const plan = (fields: Record<string, unknown>) => ({
  plan: { name: 'Committed', code: 'committed', interval: 'monthly', amount_cents: 40000, amount_currency: 'EUR', pay_in_advance: false, ...fields },
});

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db);
  const metric = await api.post('/billable_metrics', { billable_metric: { name: 'Calls', code: 'calls', aggregation_type: 'count_agg' } });
  expect(metric.status).toBe(200);
  callsId = metric.body.billable_metric.lago_id;
  for (const tax of [{ name: 'VAT 20%', code: 'vat_20', rate: '20' }, { name: 'Local', code: 'local', rate: '2' }]) {
    expect((await api.post('/taxes', { tax })).status).toBe(200);
  }
});
afterAll(async () => database.drop());

describe('minimum_commitment', () => {
  test('create, get and list show it in Lago\'s shape, with its own taxes', async () => {
    const res = await api.post('/plans', plan({ minimum_commitment: { amount_cents: 100000, invoice_display_name: 'Commitment top-up', tax_codes: ['vat_20'] } }));
    expect(res.status).toBe(200);
    const commitment = res.body.plan.minimum_commitment;
    expect(keysOf(commitment)).toEqual(COMMITMENT_KEYS);
    expect(commitment).toEqual({
      lago_id: UUID, plan_code: 'committed', invoice_display_name: 'Commitment top-up', amount_cents: 100000, interval: 'monthly',
      created_at: TIMESTAMP, updated_at: TIMESTAMP, taxes: [expect.objectContaining({ code: 'vat_20', rate: 20 })],
    });
    // The plan's own taxes are not the commitment's.
    expect(res.body.plan.taxes).toEqual([]);
    expect((await api.get('/plans/committed')).body.plan.minimum_commitment).toEqual(commitment);
    const listed = (await api.get('/plans')).body.plans.find((entry: { code: string }) => entry.code === 'committed');
    expect(listed.minimum_commitment).toEqual(commitment);
  });

  test('a plan without one has no minimum_commitment key, as Lago answers', async () => {
    const res = await api.post('/plans', plan({ code: 'plain' }));
    expect(res.status).toBe(200);
    expect('minimum_commitment' in res.body.plan).toBe(false);
    // An empty object or null on create is no commitment.
    for (const [code, value] of [['empty', {}], ['null', null]] as const) {
      const created = await api.post('/plans', plan({ code, minimum_commitment: value }));
      expect(created.status).toBe(200);
      expect('minimum_commitment' in created.body.plan).toBe(false);
    }
  });

  test('update: the keys sent change it, tax_codes replaces its taxes, null keeps it, {} removes it', async () => {
    const before = (await api.get('/plans/committed')).body.plan.minimum_commitment;
    const changed = await api.put('/plans/committed', { plan: { minimum_commitment: { amount_cents: 150000 } } });
    expect(changed.status).toBe(200);
    // Only amount_cents was sent: the name and the taxes stay; the same commitment (its id).
    expect(changed.body.plan.minimum_commitment).toMatchObject({
      lago_id: before.lago_id, amount_cents: 150000, invoice_display_name: 'Commitment top-up', taxes: [expect.objectContaining({ code: 'vat_20' })],
    });
    const retaxed = await api.put('/plans/committed', { plan: { minimum_commitment: { tax_codes: ['local'], invoice_display_name: null } } });
    expect(retaxed.body.plan.minimum_commitment).toMatchObject({ amount_cents: 150000, invoice_display_name: null, taxes: [expect.objectContaining({ code: 'local' })] });
    const untaxed = await api.put('/plans/committed', { plan: { minimum_commitment: { tax_codes: [] } } });
    expect(untaxed.body.plan.minimum_commitment.taxes).toEqual([]);
    // null (or no key) keeps it.
    expect((await api.put('/plans/committed', { plan: { name: 'Renamed', minimum_commitment: null } })).body.plan.minimum_commitment).toMatchObject({ amount_cents: 150000 });
    expect((await api.put('/plans/committed', { plan: { name: 'Committed' } })).body.plan.minimum_commitment).toMatchObject({ amount_cents: 150000 });
    // {} removes it (Lago's `params.blank?`).
    const removed = await api.put('/plans/committed', { plan: { minimum_commitment: {} } });
    expect(removed.status).toBe(200);
    expect('minimum_commitment' in removed.body.plan).toBe(false);
    expect(await database.db('commitments').pluck('id')).toEqual([]);
    // Sent again on update, it is created.
    const again = await api.put('/plans/committed', { plan: { minimum_commitment: { amount_cents: 100000 } } });
    expect(again.body.plan.minimum_commitment).toMatchObject({ amount_cents: 100000, invoice_display_name: null, taxes: [] });
    expect(again.body.plan.minimum_commitment.lago_id).not.toBe(before.lago_id);
  });

  test('bad input is a 422 naming the field, and writes nothing', async () => {
    const before = await snapshot(database.db, TABLES);
    const answers = [
      // amount_cents must be > 0 (Lago's Commitment validation).
      [await api.post('/plans', plan({ code: 'zero', minimum_commitment: { amount_cents: 0 } })), { 'minimum_commitment.amount_cents': ['value_is_out_of_range'] }],
      [await api.post('/plans', plan({ code: 'neg', minimum_commitment: { amount_cents: -5 } })), { 'minimum_commitment.amount_cents': ['value_is_out_of_range'] }],
      [await api.post('/plans', plan({ code: 'nameonly', minimum_commitment: { invoice_display_name: 'No amount' } })), { 'minimum_commitment.amount_cents': ['value_is_mandatory'] }],
      [await api.post('/plans', plan({ code: 'text', minimum_commitment: { amount_cents: 'lots' } })), { 'minimum_commitment.amount_cents': ['value_is_invalid'] }],
      // With another problem, both are named.
      [await api.post('/plans', plan({ code: 'committed', minimum_commitment: { amount_cents: 0 } })), { code: ['value_already_exist'], 'minimum_commitment.amount_cents': ['value_is_out_of_range'] }],
      [await api.post('/plans', plan({ code: 'badtax', minimum_commitment: { amount_cents: 100, tax_codes: ['nope'] } })), { 'minimum_commitment.tax_codes': ['tax_not_found'] }],
      [await api.put('/plans/committed', { plan: { minimum_commitment: { amount_cents: 0 } } }), { 'minimum_commitment.amount_cents': ['value_is_out_of_range'] }],
      [await api.put('/plans/committed', { plan: { name: 'Changed', minimum_commitment: { amount_cents: 200000, tax_codes: ['nope'] } } }), { 'minimum_commitment.tax_codes': ['tax_not_found'] }],
      // A plan without a commitment cannot get one without its amount.
      [await api.put('/plans/plain', { plan: { minimum_commitment: { invoice_display_name: 'x' } } }), { 'minimum_commitment.amount_cents': ['value_is_mandatory'] }],
    ] as const;
    expect(answers.map(([res]) => [res.status, res.body.code, res.body.error_details])).toEqual(answers.map(([, details]) => [422, 'validation_errors', details]));
    expect(await snapshot(database.db, TABLES)).toBe(before);
  });

  test('a subscription\'s override of the commitment (issue 16 pt 6) is checked as the plan\'s: 0 is 422 naming it, nothing written', async () => {
    const res = await api.post('/subscriptions', { subscription: { external_customer_id: 'c1', plan_code: 'committed', external_id: 's1', plan_overrides: { minimum_commitment: { amount_cents: 0 } } } });
    expect([res.status, res.body.error_details]).toEqual([422, { 'plan_overrides.minimum_commitment.amount_cents': ['value_is_out_of_range'] }]);
    expect(await database.db('subscriptions').pluck('id')).toEqual([]);
    expect(await database.db('plans').whereNotNull('parent_id').pluck('id')).toEqual([]);
  });
});

describe('charges.min_amount_cents', () => {
  test('is stored and shown, on create and update; null on update sets 0, as Lago', async () => {
    const res = await api.post('/plans', plan({ code: 'minimums', charges: [{ billable_metric_id: callsId, charge_model: 'standard', properties: { amount: '1' }, min_amount_cents: 5000 }] }));
    expect(res.status).toBe(200);
    const [charge] = res.body.plan.charges;
    expect(charge.min_amount_cents).toBe(5000);
    const raised = await api.put('/plans/minimums', { plan: { charges: [{ id: charge.lago_id, min_amount_cents: 7500 }] } });
    expect(raised.body.plan.charges[0]).toMatchObject({ lago_id: charge.lago_id, min_amount_cents: 7500 });
    // Not sent: kept.
    const kept = await api.put('/plans/minimums', { plan: { charges: [{ id: charge.lago_id, properties: { amount: '2' } }] } });
    expect(kept.body.plan.charges[0]).toMatchObject({ min_amount_cents: 7500, properties: { amount: '2' } });
    const cleared = await api.put('/plans/minimums', { plan: { charges: [{ id: charge.lago_id, min_amount_cents: null }] } });
    expect(cleared.body.plan.charges[0].min_amount_cents).toBe(0);
    // The nested charge route honours it too.
    const nested = await api.put(`/plans/minimums/charges/${charge.code}`, { charge: { min_amount_cents: 2500 } });
    expect(nested.status).toBe(200);
    expect(nested.body.charge.min_amount_cents).toBe(2500);
  });

  test('is refused with pay_in_advance (Lago\'s not_compatible_with_pay_in_advance), and writes nothing', async () => {
    const before = await snapshot(database.db, TABLES);
    const inAdvance = await api.post('/plans', plan({ code: 'advance', charges: [{ billable_metric_id: callsId, charge_model: 'standard', pay_in_advance: true, properties: { amount: '1' }, min_amount_cents: 100 }] }));
    expect([inAdvance.status, inAdvance.body.error_details]).toEqual([422, { 'charges.0.min_amount_cents': ['not_compatible_with_pay_in_advance'] }]);
    // Turning a charge with a minimum to pay_in_advance is refused as well.
    const charge = (await api.get('/plans/minimums')).body.plan.charges[0];
    const turned = await api.put('/plans/minimums', { plan: { charges: [{ id: charge.lago_id, pay_in_advance: true }] } });
    expect([turned.status, turned.body.error_details]).toEqual([422, { 'charges.0.min_amount_cents': ['not_compatible_with_pay_in_advance'] }]);
    const negative = await api.post('/plans', plan({ code: 'negative', charges: [{ billable_metric_id: callsId, charge_model: 'standard', properties: { amount: '1' }, min_amount_cents: -1 }] }));
    expect([negative.status, negative.body.error_details]).toEqual([422, { 'charges.0.min_amount_cents': ['value_is_out_of_range'] }]);
    expect(await snapshot(database.db, TABLES)).toBe(before);
    // 0 with pay_in_advance is no minimum: accepted.
    const zero = await api.post('/plans', plan({ code: 'advance_zero', charges: [{ billable_metric_id: callsId, charge_model: 'standard', pay_in_advance: true, properties: { amount: '1' }, min_amount_cents: 0 }] }));
    expect(zero.status).toBe(200);
  });
});
