/** Plans (the base fee and interval) and their charges. */
import type { Knex } from 'knex';
import type { Db } from './knex';
import type { Interval } from '../billing/types';

export interface PlanRow {
  id: string;
  organization_id: string;
  code: string;
  name: string;
  invoice_display_name: string | null;
  description: string | null;
  interval: Interval;
  amount_cents: bigint;
  amount_currency: string;
  pay_in_advance: boolean;
  trial_period: string;
  bill_charges_monthly: boolean | null;
  metadata: unknown;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export type NewPlan = Pick<PlanRow, 'code' | 'name' | 'interval' | 'amount_cents' | 'amount_currency' | 'pay_in_advance'> &
  Partial<Pick<PlanRow, 'invoice_display_name' | 'description' | 'trial_period' | 'bill_charges_monthly' | 'metadata'>>;

export async function insertPlan(db: Db | Knex.Transaction, organizationId: string, plan: NewPlan): Promise<PlanRow> {
  const [row] = await db<PlanRow>('plans').insert({ ...plan, organization_id: organizationId }).returning('*');
  return row!;
}

export function livePlans(db: Db | Knex.Transaction, organizationId: string) {
  return db<PlanRow>('plans').where({ organization_id: organizationId }).whereNull('deleted_at');
}

export async function findPlanByCode(db: Db | Knex.Transaction, organizationId: string, code: string): Promise<PlanRow | undefined> {
  return livePlans(db, organizationId).where({ code }).first();
}

export async function findPlanById(db: Db | Knex.Transaction, organizationId: string, id: string): Promise<PlanRow | undefined> {
  return db<PlanRow>('plans').where({ organization_id: organizationId, id }).first();
}

export type PlanFields = Partial<Omit<PlanRow, 'id' | 'organization_id' | 'created_at' | 'updated_at' | 'deleted_at'>>;

export async function updatePlan(db: Db | Knex.Transaction, id: string, fields: PlanFields): Promise<PlanRow> {
  const [row] = await db<PlanRow>('plans').where({ id }).update({ ...fields, updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

export async function softDeletePlan(db: Db | Knex.Transaction, id: string): Promise<PlanRow> {
  const [row] = await db<PlanRow>('plans').where({ id }).update({ deleted_at: db.fn.now(), updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

/** Whether any pending or active subscription is on the plan (its terms then must not change under it). */
export async function planHasLiveSubscriptions(db: Db | Knex.Transaction, planId: string): Promise<boolean> {
  const row = await db('subscriptions').where({ plan_id: planId }).whereIn('status', ['pending', 'active']).first('id');
  return row !== undefined;
}
