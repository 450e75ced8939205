/** Creating and reading plans. */
import type { Db } from '../db/knex';
import { findPlanByCode, insertPlan, type PlanRow } from '../db/plans';
import { invalidField, notFound } from '../api/errors';
import type { CreatePlanInput } from '../api/schemas/plans';
import { isUniqueViolation } from './errors';

export async function createPlan(db: Db, organizationId: string, input: CreatePlanInput): Promise<PlanRow> {
  try {
    return await insertPlan(db, organizationId, {
      code: input.code,
      name: input.name,
      interval: input.interval as PlanRow['interval'],
      amount_cents: input.amount_cents,
      amount_currency: input.amount_currency,
      pay_in_advance: input.pay_in_advance,
      trial_period: String(input.trial_period ?? 0),
      bill_charges_monthly: ['yearly', 'semiannual'].includes(input.interval) ? (input.bill_charges_monthly ?? false) : null,
      invoice_display_name: input.invoice_display_name ?? null,
      description: input.description ?? null,
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw invalidField('code', 'value_already_exist');
    throw error;
  }
}

export async function getPlan(db: Db, organizationId: string, code: string): Promise<PlanRow> {
  const plan = await findPlanByCode(db, organizationId, code);
  if (!plan) throw notFound('plan');
  return plan;
}
