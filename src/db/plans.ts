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
  Partial<Pick<PlanRow, 'invoice_display_name' | 'description' | 'trial_period' | 'bill_charges_monthly'>>;

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
