/**
 * The catalog of the two walkthroughs (/work/shared/scenarios), created exactly as written and
 * read back: fair seats (with the seat metric in both its forms) and hybrid usage.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

const TIMESTAMP = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
const UUID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

/** Ids and timestamps differ between organizations; everything else must not. */
function withoutIds(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, item: unknown) => (key === 'lago_id' || key === 'lago_billable_metric_id' || key === 'created_at' ? '<id>' : item));
}

describe('fair-seats walkthrough catalog', () => {
  async function seatsCatalog(organization: string, metric: Record<string, unknown>) {
    const api = await createPlainTestApi(database.db, organization);
    const created = await api.post('/billable_metrics', { billable_metric: { name: 'Seats', code: 'seats', field_name: 'seat_id', ...metric } });
    expect(created.status).toBe(200);
    const plan = await api.post('/plans', {
      plan: {
        name: 'Pro', code: 'pro', interval: 'monthly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: false,
        charges: [{ billable_metric_id: created.body.billable_metric.lago_id, charge_model: 'standard', properties: { amount: '8.25' }, prorated: true }],
      },
    });
    expect(plan.status).toBe(200);
    const customer = await api.post('/customers', { customer: { external_id: 'airbnb', currency: 'EUR', timezone: 'UTC' } });
    expect(customer.status).toBe(200);
    return {
      metric: (await api.get('/billable_metrics/seats')).body.billable_metric,
      plan: (await api.get('/plans/pro')).body.plan,
      customer: (await api.get('/customers/airbnb')).body.customer,
    };
  }

  test('unique_count_agg + recurring and the legacy recurring_count_agg give the same catalog', async () => {
    const modern = await seatsCatalog('Seats Org', { aggregation_type: 'unique_count_agg', recurring: true });
    const legacy = await seatsCatalog('Legacy Seats Org', { aggregation_type: 'recurring_count_agg' });
    expect(modern.metric).toEqual({
      lago_id: UUID, name: 'Seats', code: 'seats', description: null, aggregation_type: 'unique_count_agg', weighted_interval: null, recurring: true,
      rounding_function: null, rounding_precision: null, created_at: TIMESTAMP, field_name: 'seat_id', expression: null, filters: [],
      active_subscriptions_count: 0, draft_invoices_count: 0, plans_count: 0,
    });
    expect(modern.plan).toMatchObject({ name: 'Pro', code: 'pro', interval: 'monthly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: false, trial_period: 0, taxes: [] });
    expect(modern.plan.charges).toEqual([{
      lago_id: UUID, lago_billable_metric_id: modern.metric.lago_id, code: 'seats', invoice_display_name: null, billable_metric_code: 'seats',
      created_at: TIMESTAMP, charge_model: 'standard', invoiceable: true, regroup_paid_fees: null, pay_in_advance: false, prorated: true,
      min_amount_cents: 0, accepts_target_wallet: false, properties: { amount: '8.25' }, applied_pricing_unit: null, lago_parent_id: null,
      filters: [], taxes: [],
    }]);
    expect(modern.customer).toMatchObject({ external_id: 'airbnb', currency: 'EUR', timezone: 'UTC', applicable_timezone: 'UTC', taxes: [] });
    expect(withoutIds(legacy.metric)).toEqual(withoutIds(modern.metric));
    expect(withoutIds(legacy.plan)).toEqual(withoutIds(modern.plan));
  });
});

describe('hybrid walkthrough catalog', () => {
  test('mtu, vat_12_5, the team plan with its graduated charge, and acme', async () => {
    const api = await createPlainTestApi(database.db, 'Hybrid Org');
    const metric = await api.post('/billable_metrics', {
      billable_metric: { name: 'Monthly Tracked Users', code: 'mtu', aggregation_type: 'unique_count_agg', field_name: 'user_id' },
    });
    expect(metric.body.billable_metric).toMatchObject({ name: 'Monthly Tracked Users', code: 'mtu', aggregation_type: 'unique_count_agg', field_name: 'user_id', recurring: false });
    const tax = await api.post('/taxes', { tax: { name: 'VAT', code: 'vat_12_5', rate: '12.5' } });
    expect(tax.body.tax).toMatchObject({ code: 'vat_12_5', rate: 12.5 });
    const ranges = [
      { from_value: 0, to_value: 10000, per_unit_amount: '0', flat_amount: '0' },
      { from_value: 10001, to_value: 25000, per_unit_amount: '0.012', flat_amount: '0' },
      { from_value: 25001, to_value: null, per_unit_amount: '0.01', flat_amount: '0' },
    ];
    const plan = await api.post('/plans', {
      plan: {
        name: 'Team', code: 'team', interval: 'monthly', amount_cents: 12000, amount_currency: 'USD', pay_in_advance: true, trial_period: 0,
        charges: [{ billable_metric_id: metric.body.billable_metric.lago_id, charge_model: 'graduated', properties: { graduated_ranges: ranges } }],
      },
    });
    expect(plan.status).toBe(200);
    const customer = await api.post('/customers', {
      customer: { external_id: 'acme', currency: 'USD', timezone: 'UTC', tax_codes: ['vat_12_5'], billing_configuration: { payment_provider: 'stripe' } },
    });
    expect(customer.status).toBe(200);

    const team = (await api.get('/plans/team')).body.plan;
    expect(team).toEqual({
      lago_id: UUID, name: 'Team', invoice_display_name: null, created_at: TIMESTAMP, code: 'team', interval: 'monthly', description: null,
      amount_cents: 12000, amount_currency: 'USD', trial_period: 0, pay_in_advance: true, bill_charges_monthly: null, bill_fixed_charges_monthly: null,
      customers_count: 0, active_subscriptions_count: 0, draft_invoices_count: 0, parent_id: null, pending_deletion: false,
      charges: [{
        lago_id: UUID, lago_billable_metric_id: metric.body.billable_metric.lago_id, code: 'mtu', invoice_display_name: null, billable_metric_code: 'mtu',
        created_at: TIMESTAMP, charge_model: 'graduated', invoiceable: true, regroup_paid_fees: null, pay_in_advance: false, prorated: false,
        min_amount_cents: 0, accepts_target_wallet: false, properties: { graduated_ranges: ranges }, applied_pricing_unit: null, lago_parent_id: null,
        filters: [], taxes: [],
      }],
      fixed_charges: [], usage_thresholds: [], applicable_usage_thresholds: [], taxes: [], entitlements: [], metadata: null,
    });
    const acme = (await api.get('/customers/acme')).body.customer;
    expect(acme).toMatchObject({ external_id: 'acme', currency: 'USD', timezone: 'UTC', billing_configuration: expect.objectContaining({ payment_provider: 'stripe' }) });
    expect(acme.taxes).toEqual([{ ...tax.body.tax, customers_count: 1 }]);
  });
});
