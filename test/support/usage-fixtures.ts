/** Catalog rows for usage tests and benches, inserted straight into the tables (no catalog API). */
import type { Db } from '../../src/db/knex';

export interface MetricFixture {
  code: string;
  aggregation_type: string;
  field_name?: string | null;
  recurring?: boolean;
  rounding_function?: 'round' | 'ceil' | 'floor' | null;
  rounding_precision?: number | null;
  weighted_interval?: 'seconds' | null;
  filters?: { key: string; values: string[] }[];
}

export async function insertMetric(db: Db, organizationId: string, metric: MetricFixture): Promise<{ id: string; code: string }> {
  const [row] = await db('billable_metrics')
    .insert({
      organization_id: organizationId,
      name: metric.code,
      code: metric.code,
      aggregation_type: metric.aggregation_type,
      field_name: metric.field_name ?? null,
      recurring: metric.recurring ?? false,
      rounding_function: metric.rounding_function ?? null,
      rounding_precision: metric.rounding_precision ?? null,
      weighted_interval: metric.weighted_interval ?? null,
      filters: JSON.stringify(metric.filters ?? []),
    })
    .returning(['id', 'code']);
  return row as { id: string; code: string };
}

export interface ChargeFixture {
  metricId: string;
  code?: string;
  charge_model: string;
  properties: Record<string, unknown>;
  filters?: { id?: string; invoice_display_name?: string | null; properties: Record<string, unknown>; values: Record<string, string[]> }[];
  pay_in_advance?: boolean;
  prorated?: boolean;
  invoice_display_name?: string | null;
}

export interface PlanFixture {
  code: string;
  interval?: string;
  amount_cents?: number;
  amount_currency?: string;
  pay_in_advance?: boolean;
  charges?: ChargeFixture[];
}

export async function insertPlan(db: Db, organizationId: string, plan: PlanFixture): Promise<{ id: string; chargeIds: string[] }> {
  const [row] = await db('plans')
    .insert({
      organization_id: organizationId,
      code: plan.code,
      name: plan.code,
      interval: plan.interval ?? 'monthly',
      amount_cents: plan.amount_cents ?? 0,
      amount_currency: plan.amount_currency ?? 'USD',
      pay_in_advance: plan.pay_in_advance ?? false,
    })
    .returning('id');
  const planId = (row as { id: string }).id;
  const chargeIds: string[] = [];
  for (const [index, charge] of (plan.charges ?? []).entries()) {
    const filters = (charge.filters ?? []).map((filter, i) => ({ id: filter.id ?? `filter-${index}-${i}`, invoice_display_name: filter.invoice_display_name ?? null, properties: filter.properties, values: filter.values }));
    const [inserted] = await db('charges')
      .insert({
        organization_id: organizationId,
        plan_id: planId,
        billable_metric_id: charge.metricId,
        code: charge.code ?? `charge_${index}`,
        charge_model: charge.charge_model,
        properties: JSON.stringify(charge.properties),
        filters: JSON.stringify(filters),
        pay_in_advance: charge.pay_in_advance ?? false,
        prorated: charge.prorated ?? false,
        invoice_display_name: charge.invoice_display_name ?? null,
      })
      .returning('id');
    chargeIds.push((inserted as { id: string }).id);
  }
  return { id: planId, chargeIds };
}

export interface SubscriptionFixture {
  customerExternalId: string;
  externalId: string;
  planId: string;
  startedAt: Date;
  billingTime?: 'calendar' | 'anniversary';
  status?: string;
  currency?: string | null;
  timezone?: string | null;
}

export async function insertSubscription(db: Db, organizationId: string, fixture: SubscriptionFixture): Promise<{ id: string; customerId: string }> {
  let customer = await db('customers').where({ organization_id: organizationId, external_id: fixture.customerExternalId }).first<{ id: string } | undefined>();
  if (!customer) {
    const [{ max }] = (await db('customers').where({ organization_id: organizationId }).max({ max: 'sequential_id' })) as [{ max: bigint | null }];
    [customer] = await db('customers')
      .insert({
        organization_id: organizationId,
        external_id: fixture.customerExternalId,
        sequential_id: (max ?? 0n) + 1n,
        name: fixture.customerExternalId,
        currency: fixture.currency === undefined ? 'USD' : fixture.currency,
        timezone: fixture.timezone === undefined ? 'UTC' : fixture.timezone,
      })
      .returning('id');
  }
  const [row] = await db('subscriptions')
    .insert({
      organization_id: organizationId,
      customer_id: customer!.id,
      plan_id: fixture.planId,
      external_id: fixture.externalId,
      status: fixture.status ?? 'active',
      billing_time: fixture.billingTime ?? 'calendar',
      subscription_at: fixture.startedAt,
      started_at: fixture.startedAt,
      workflow_id: `subscription/${organizationId}/${fixture.externalId}`,
    })
    .returning('id');
  return { id: (row as { id: string }).id, customerId: customer!.id };
}

export async function insertTax(db: Db, organizationId: string, code: string, rate: string, customerId?: string): Promise<string> {
  const [row] = await db('taxes').insert({ organization_id: organizationId, code, name: code, rate }).returning('id');
  const taxId = (row as { id: string }).id;
  if (customerId) await db('customer_taxes').insert({ owner_id: customerId, tax_id: taxId });
  return taxId;
}
