/**
 * Per-customer overrides (issue 16 point 6, Lago's `plan_overrides` and `Plans::OverrideService`):
 * a subscription's overrides live in a **child plan**, a copy of the parent plan with the same code
 * (db/plan-children.ts), that the subscription is billed on.
 * - The first override of a subscription copies its plan into a child, then applies the
 *   overrides to the child; a later one (a `PUT /subscriptions` or a charge route) updates the same
 *   child in place, as Lago does. The parent never changes.
 * - A child is never found by its code: not listed by `GET /plans`, not subscribable by
 *   `plan_code` (db/plans.ts `livePlans`).
 * - What may be overridden is Lago's PlanOverridesObject: the base amount, its currency (only the
 *   plan's own: the customer's currency is the plan's), the names and description, the trial,
 *   the plan's taxes, its metadata, its minimum commitment, its usage thresholds, and each charge's
 *   `invoice_display_name`, `min_amount_cents`, `properties`, `filters` and `tax_codes` (charges named
 *   by their parent's id, or their own). A charge's `billable_metric_id`, `code` and
 *   `charge_model` name it: a different value is refused (422 `value_is_invalid`), not applied.
 * - Everything is checked and written by the same code as `PUT /plans` (`updatePlanRecord`), with
 *   the problems keyed under `plan_overrides.` (a charge by its place in `plan_overrides.charges`).
 * - `cascade_updates` (a parent's charge change reaching the children whose charge was not
 *   overridden) is in `cascadeChargeUpdate`.
 */
import type { Tx } from '../../db/knex';
import { findPlanById, lockPlan, type PlanRow, type PlanView } from '../../db/plans';
import { liveChargesOfPlans, type ChargeRow } from '../../db/charges';
import { childChargesOf, insertChildPlan } from '../../db/plan-children';
import { isUniqueViolation } from '../../db/errors';
import { forbidden, invalidField, notFound, Problems, ValidationError, validationErrors, type ErrorDetails } from '../../runtime/errors';
import type { ChargeFilterInput, ChargeInput } from './plan-charges';
import { updatePlanRecord, type MinimumCommitmentInput, type UpdatePlanInput } from './plans';
import type { UsageThresholdInput } from './usage-thresholds';
import type { ChargeModelName } from '../../billing/types';

/** One charge's overrides (Lago's PlanOverridesObject `charges[]`): `id` names the parent's charge (or the child's). */
export interface ChargeOverrideInput {
  id: string;
  billable_metric_id?: string | null;
  code?: string | null;
  charge_model?: ChargeModelName | null;
  invoice_display_name?: string | null;
  min_amount_cents?: bigint | null;
  properties?: unknown;
  filters?: ChargeFilterInput[] | null;
  tax_codes?: string[] | null;
  /** Pricing units are not offered: anything but null is refused (403), as on plans. */
  applied_pricing_unit?: unknown;
}

/** Lago's PlanOverridesObject, as Billow honours it (fixed charges are refused by the API's contract). */
export interface PlanOverridesInput {
  amount_cents?: bigint | null;
  amount_currency?: string | null;
  name?: string | null;
  invoice_display_name?: string | null;
  description?: string | null;
  /** Days. */
  trial_period?: number | null;
  tax_codes?: string[] | null;
  metadata?: Record<string, string | null> | null;
  minimum_commitment?: MinimumCommitmentInput | null;
  usage_thresholds?: UsageThresholdInput[] | null;
  charges?: ChargeOverrideInput[] | null;
}

/** Whether the request carries any override at all (`{}` and null do not). */
export function hasOverrides(input: PlanOverridesInput | null | undefined): input is PlanOverridesInput {
  return input !== null && input !== undefined && Object.values(input).some((value) => value !== undefined);
}

/** Moves `charges.<child index>.x` to `plan_overrides.charges.<override index>.x`, everything else under `plan_overrides.`. */
function relocated(error: unknown, indexOf: Map<number, number>): unknown {
  if (!(error instanceof ValidationError)) return error;
  const details: ErrorDetails = {};
  for (const [key, codes] of Object.entries(error.details)) {
    const match = /^charges\.(\d+)\.(.*)$/.exec(key);
    const own = match && indexOf.has(Number(match[1])) ? `charges.${indexOf.get(Number(match[1]))}.${match[2]}` : key;
    details[`plan_overrides.${own}`] = codes;
  }
  return validationErrors(details);
}

function chargeFor(charges: readonly ChargeRow[], id: string): number {
  return charges.findIndex((charge) => charge.id === id || charge.parent_id === id);
}

/**
 * Applies `overrides` to the plan a subscription is billed on: a plan of the catalog gets a new
 * child (answered, the caller points the subscription at it); a child is updated in place.
 * Nothing is written when a problem is found (the caller's transaction rolls back).
 */
export async function overridePlan(trx: Tx, organizationId: string, plan: PlanRow, overrides: PlanOverridesInput): Promise<PlanView> {
  const problems = new Problems();
  if (overrides.amount_currency != null && overrides.amount_currency !== plan.amount_currency) {
    problems.add('plan_overrides.amount_currency', 'currencies_does_not_match');
  }
  const charges = overrides.charges ?? [];
  if (charges.some((charge) => charge.applied_pricing_unit !== undefined && charge.applied_pricing_unit !== null)) throw forbidden('feature_unavailable');
  const child = plan.parent_id === null ? await insertChildPlan(trx, plan) : plan;
  await lockPlan(trx, child.id);
  const current = await liveChargesOfPlans(trx, [child.id]);
  const sent = new Map<number, ChargeOverrideInput>();
  const indexOf = new Map<number, number>();
  charges.forEach((entry, i) => {
    const at = chargeFor(current, entry.id);
    if (at < 0) throw notFound('charge');
    const charge = current[at]!;
    if (sent.has(at)) problems.add(`plan_overrides.charges.${i}.id`, 'value_already_exist');
    if (entry.billable_metric_id != null && entry.billable_metric_id !== charge.billable_metric_id) problems.add(`plan_overrides.charges.${i}.billable_metric_id`, 'value_is_invalid');
    if (entry.code != null && entry.code !== charge.code) problems.add(`plan_overrides.charges.${i}.code`, 'value_is_invalid');
    if (entry.charge_model != null && entry.charge_model !== charge.charge_model) problems.add(`plan_overrides.charges.${i}.charge_model`, 'value_is_invalid');
    sent.set(at, entry);
    indexOf.set(at, i);
  });
  problems.throwIfAny();
  const update: UpdatePlanInput = {
    amount_cents: overrides.amount_cents ?? undefined,
    name: overrides.name ?? undefined,
    invoice_display_name: overrides.invoice_display_name,
    description: overrides.description,
    trial_period: overrides.trial_period,
    tax_codes: overrides.tax_codes,
    metadata: overrides.metadata,
    minimum_commitment: overrides.minimum_commitment,
    usage_thresholds: overrides.usage_thresholds,
  };
  if (charges.length > 0) {
    update.charges = current.map((charge, at): ChargeInput => {
      const entry = sent.get(at);
      if (!entry) return { id: charge.id };
      return {
        id: charge.id,
        invoice_display_name: entry.invoice_display_name,
        min_amount_cents: entry.min_amount_cents,
        properties: entry.properties,
        filters: entry.filters,
        tax_codes: entry.tax_codes,
      };
    });
  }
  try {
    return await updatePlanRecord(trx, organizationId, child, update);
  } catch (error) {
    throw relocated(error, indexOf);
  }
}

/** The plan a subscription's charge routes read: the child, or the catalog's plan when it has none. */
export async function effectivePlan(trx: Tx, organizationId: string, planId: string): Promise<PlanRow> {
  const plan = await findPlanById(trx, organizationId, planId);
  if (!plan) throw notFound('plan');
  return plan;
}

/**
 * `cascade_updates: true` on a parent plan's charge change (Lago's `Charges::UpdateChildrenService`):
 * each live child whose copy of the charge was not overridden (its properties, filters, minimum and
 * display name still those the parent had before the change) takes the parent's new ones; a child
 * whose charge was overridden keeps its own. Without `cascade_updates`, children keep theirs.
 */
export async function cascadeChargeUpdate(trx: Tx, organizationId: string, before: ChargeRow, after: ChargeRow): Promise<void> {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const copy of await childChargesOf(trx, before.id)) {
    const untouched = same(copy.properties, before.properties) && same(copy.filters, before.filters)
      && String(copy.min_amount_cents) === String(before.min_amount_cents) && copy.invoice_display_name === before.invoice_display_name;
    if (!untouched) continue;
    const child = await findPlanById(trx, organizationId, copy.plan_id);
    if (!child) continue;
    await lockPlan(trx, child.id);
    const charges = await liveChargesOfPlans(trx, [child.id]);
    try {
      await updatePlanRecord(trx, organizationId, child, {
        charges: charges.map((charge): ChargeInput => (charge.id !== copy.id ? { id: charge.id } : {
          id: charge.id,
          invoice_display_name: after.invoice_display_name,
          min_amount_cents: after.min_amount_cents,
          properties: after.properties,
          filters: after.filters.map((filter) => ({ ...filter })),
        })),
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw invalidField('cascade_updates', 'value_is_invalid');
      throw error;
    }
  }
}
