/**
 * Plans with their charges and taxes: create, update, read, soft-delete (reference §1.2, §4).
 * - bill_charges_monthly is only kept for yearly and semiannual plans (null otherwise);
 * - premium features Billow does not bill (usage thresholds, minimum commitment, fixed charges,
 *   pricing units) are refused with 403 `feature_unavailable` rather than silently ignored;
 * - a plan with pending or active subscriptions keeps its interval, pay_in_advance, currency and
 *   bill_charges_monthly (their workflows are scheduled on them), and cannot be deleted
 *   (405 `plan_has_active_subscriptions`): terminate the subscriptions first. Its prices,
 *   charges and taxes may change: that affects the invoices issued afterwards.
 */
import type { Knex } from 'knex';
import type { Db } from '../../db/knex';
import { findPlanByCode, insertPlan, planHasLiveSubscriptions, softDeletePlan, updatePlan, type PlanFields, type PlanRow } from '../../db/plans';
import { insertCharge, liveChargesOfPlans, softDeleteCharges, updateCharge, type ChargeWithMetric } from '../../db/charges';
import { replaceTaxLinks, taxesOfOwners, type TaxWithCounts } from '../../db/taxes';
import { forbidden, invalidField, methodNotAllowed, notFound } from '../../runtime/errors';
import type { CreatePlanInput, UpdatePlanInput } from '../../api/schemas/plans';
import type { Interval } from '../../billing/types';
import { isUniqueViolation } from '../../db/errors';
import { prepareCharges } from './plan-charges';
import { Problems } from '../../runtime/errors';
import { resolveTaxCodes } from './tax-codes';

export interface ChargeView {
  charge: ChargeWithMetric;
  taxes: TaxWithCounts[];
}

export interface PlanView {
  plan: PlanRow;
  charges: ChargeView[];
  taxes: TaxWithCounts[];
}

type Conn = Db | Knex.Transaction;

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function refusePremium(input: UpdatePlanInput): void {
  if (isPresent(input.usage_thresholds) || isPresent(input.minimum_commitment) || isPresent(input.fixed_charges)) {
    throw forbidden('feature_unavailable');
  }
}

function billChargesMonthly(interval: Interval, value: boolean | null | undefined): boolean | null {
  return interval === 'yearly' || interval === 'semiannual' ? (value ?? false) : null;
}

/** Plans with their live charges and the taxes of both, in one round of queries. */
export async function planViews(db: Conn, organizationId: string, plans: readonly PlanRow[]): Promise<PlanView[]> {
  const charges = await liveChargesOfPlans(db, plans.map((plan) => plan.id));
  const planTaxes = await taxesOfOwners(db, organizationId, 'plan_taxes', plans.map((plan) => plan.id));
  const chargeTaxes = await taxesOfOwners(db, organizationId, 'charge_taxes', charges.map((charge) => charge.id));
  return plans.map((plan) => ({
    plan,
    charges: charges.filter((charge) => charge.plan_id === plan.id).map((charge) => ({ charge, taxes: chargeTaxes.get(charge.id) ?? [] })),
    taxes: planTaxes.get(plan.id) ?? [],
  }));
}

async function planView(db: Conn, organizationId: string, plan: PlanRow): Promise<PlanView> {
  return (await planViews(db, organizationId, [plan]))[0]!;
}

/** Maps unique-index races to Lago's `value_already_exist`. */
async function uniqueCodes<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error, 'plans_code')) throw invalidField('code', 'value_already_exist');
    if (isUniqueViolation(error, 'charges_code')) throw invalidField('charges', 'value_already_exist');
    throw error;
  }
}

async function writeCharges(trx: Knex.Transaction, organizationId: string, planId: string, prepared: Awaited<ReturnType<typeof prepareCharges>>): Promise<void> {
  // Codes may be swapped between kept charges: park the changing ones on a unique temporary code first.
  for (const { current, fields } of prepared) {
    if (current && current.code !== fields.code) await updateCharge(trx, current.id, { code: `~moving~${current.id}` });
  }
  for (const { current, fields, taxIds } of prepared) {
    const id = current ? current.id : (await insertCharge(trx, organizationId, planId, fields)).id;
    if (current) await updateCharge(trx, id, fields);
    if (taxIds) await replaceTaxLinks(trx, 'charge_taxes', id, taxIds);
  }
}

export async function createPlan(db: Db, organizationId: string, input: CreatePlanInput): Promise<PlanView> {
  refusePremium(input);
  return uniqueCodes(() =>
    db.transaction(async (trx) => {
      const problems = new Problems();
      if (await findPlanByCode(trx, organizationId, input.code)) problems.add('code', 'value_already_exist');
      const charges = await prepareCharges(trx, organizationId, input.charges ?? [], [], problems);
      problems.throwIfAny();
      const taxIds = await resolveTaxCodes(trx, organizationId, input.tax_codes ?? []);
      const plan = await insertPlan(trx, organizationId, {
        code: input.code,
        name: input.name,
        interval: input.interval as Interval,
        amount_cents: input.amount_cents,
        amount_currency: input.amount_currency,
        pay_in_advance: input.pay_in_advance,
        trial_period: String(input.trial_period ?? 0),
        bill_charges_monthly: billChargesMonthly(input.interval as Interval, input.bill_charges_monthly),
        invoice_display_name: input.invoice_display_name ?? null,
        description: input.description ?? null,
        metadata: input.metadata ?? null,
      });
      await replaceTaxLinks(trx, 'plan_taxes', plan.id, taxIds);
      await writeCharges(trx, organizationId, plan.id, charges);
      return planView(trx, organizationId, plan);
    }),
  );
}

export async function getPlan(db: Conn, organizationId: string, code: string): Promise<PlanRow> {
  const plan = await findPlanByCode(db, organizationId, code);
  if (!plan) throw notFound('plan');
  return plan;
}

export async function getPlanView(db: Db, organizationId: string, code: string): Promise<PlanView> {
  return planView(db, organizationId, await getPlan(db, organizationId, code));
}

const LOCKED_BY_SUBSCRIPTIONS = ['interval', 'pay_in_advance', 'amount_currency', 'bill_charges_monthly'] as const;

export async function updatePlanByCode(db: Db, organizationId: string, code: string, input: UpdatePlanInput): Promise<PlanView> {
  refusePremium(input);
  return uniqueCodes(() =>
    db.transaction(async (trx) => {
      const current = await getPlan(trx, organizationId, code);
      await trx.raw('SELECT id FROM plans WHERE id = ? FOR UPDATE', [current.id]);
      const problems = new Problems();
      if (input.code !== undefined && input.code !== current.code && (await findPlanByCode(trx, organizationId, input.code))) {
        problems.add('code', 'value_already_exist');
      }
      const interval = (input.interval ?? current.interval) as Interval;
      const fields: PlanFields = {
        code: input.code ?? undefined,
        name: input.name ?? undefined,
        interval,
        amount_cents: input.amount_cents ?? undefined,
        amount_currency: input.amount_currency ?? undefined,
        pay_in_advance: input.pay_in_advance ?? undefined,
        trial_period: input.trial_period !== undefined ? String(input.trial_period ?? 0) : undefined,
        bill_charges_monthly: billChargesMonthly(interval, input.bill_charges_monthly !== undefined ? input.bill_charges_monthly : current.bill_charges_monthly),
        invoice_display_name: input.invoice_display_name,
        description: input.description,
        metadata: input.metadata,
      };
      if (await planHasLiveSubscriptions(trx, current.id)) {
        for (const field of LOCKED_BY_SUBSCRIPTIONS) {
          if (input[field] !== undefined && fields[field] !== current[field]) problems.add(field, 'cannot_change_with_active_subscriptions');
        }
      }
      const existing = await liveChargesOfPlans(trx, [current.id]);
      const charges = input.charges !== undefined ? await prepareCharges(trx, organizationId, input.charges ?? [], existing, problems) : undefined;
      problems.throwIfAny();
      const taxIds = input.tax_codes !== undefined ? await resolveTaxCodes(trx, organizationId, input.tax_codes ?? []) : undefined;

      const changes = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as PlanFields;
      const plan = await updatePlan(trx, current.id, changes);
      if (taxIds) await replaceTaxLinks(trx, 'plan_taxes', plan.id, taxIds);
      if (charges) {
        const kept = new Set(charges.flatMap(({ current: charge }) => (charge ? [charge.id] : [])));
        await softDeleteCharges(trx, existing.filter((charge) => !kept.has(charge.id)).map((charge) => charge.id));
        await writeCharges(trx, organizationId, plan.id, charges);
      }
      return planView(trx, organizationId, plan);
    }),
  );
}

export async function deletePlanByCode(db: Db, organizationId: string, code: string): Promise<PlanView> {
  return db.transaction(async (trx) => {
    const plan = await getPlan(trx, organizationId, code);
    if (await planHasLiveSubscriptions(trx, plan.id)) throw methodNotAllowed('plan_has_active_subscriptions');
    return planView(trx, organizationId, await softDeletePlan(trx, plan.id));
  });
}
