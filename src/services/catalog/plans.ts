/**
 * Plans with their charges and taxes: create, update, read, soft-delete (reference §1.2, §4).
 * - bill_charges_monthly is only kept for yearly and semiannual plans (null otherwise);
 * - fixed charges (and bill_fixed_charges_monthly, kept like bill_charges_monthly) are written with
 *   the plan (plan-fixed-charges.ts); usage thresholds (progressive billing) are stored and billed
 *   (usage-thresholds.ts);
 * - pricing units, premium in Lago and not billed by Billow, are refused with 403 `feature_unavailable` (plan-charges.ts) rather than silently ignored;
 * - a minimum commitment (`minimum_commitment`, one per plan, amount_cents > 0) is kept with its
 *   own tax codes and billed by invoicing at each period's close (src/billing/commitments.ts). On
 *   update, as Lago: absent or null keeps it, `{}` removes it, an object changes the keys it sends
 *   (creating it when the plan had none) and `tax_codes` replaces its taxes when sent;
 * - a plan with pending or active subscriptions keeps its interval, pay_in_advance, currency and
 *   bill_charges_monthly (their workflows are scheduled on them). Its prices, charges and taxes
 *   may change: that affects the invoices issued afterwards;
 * - deleting is Lago's two steps: `markPlanForDeletion` sets `pending_deletion` (and records
 *   `plan.deleted`, as Lago does then); once its last subscription has ended,
 *   `retirePlanIfUnused` soft-deletes it. Ending the subscriptions is the subscriptions domain's
 *   work (through their workflows), which calls both;
 * - `plan.created`, `plan.updated` and `plan.deleted` are recorded in the transaction of the change.
 */
import type { Conn, Db, Tx } from '../../db/knex';
import {
  findPlanByCode,
  findPlanById,
  insertPlan,
  listLivePlans,
  loadPlanViews,
  lockPlan,
  markPlanPendingDeletion,
  planHasLiveSubscriptions,
  softDeletePlan,
  updatePlan,
  type PlanFields,
  type PlanRow,
  type PlanView,
} from '../../db/plans';
import { renameChildPlans } from '../../db/plan-children';
import { insertCharge, liveChargesOfPlans, softDeleteCharges, updateCharge } from '../../db/charges';
import { deleteMinimumCommitment, findMinimumCommitment, insertMinimumCommitment, updateMinimumCommitment, type CommitmentRow } from '../../db/commitments';
import { replaceTaxLinks } from '../../db/taxes';
import { isUniqueViolation } from '../../db/errors';
import { invalidField, notFound, Problems } from '../../runtime/errors';
import { serializePlanView } from '../../serializers/plan';
import { recordWebhookEvent } from '../../webhooks/outbox';
import type { WebhookType } from '../../webhooks/event-types';
import type { Page, Paginated } from '../../runtime/pagination';
import type { Interval } from '../../billing/types';
import { prepareCharges, type ChargeInput, type PreparedCharge } from './plan-charges';
import { prepareFixedCharges, type FixedChargeInput, type PreparedFixedCharge } from './plan-fixed-charges';
import { insertFixedCharge, liveFixedChargesOfPlans, softDeleteFixedCharges, updateFixedCharge } from '../../db/fixed-charges';
import { resolveTaxCodes } from './tax-codes';
import { checkUsageThresholds, writeUsageThresholds, type UsageThresholdInput } from './usage-thresholds';

export interface CreatePlanInput {
  name: string;
  code: string;
  interval: Interval;
  amount_cents: bigint;
  amount_currency: string;
  pay_in_advance: boolean;
  /** Days. */
  trial_period?: number | null;
  bill_charges_monthly?: boolean | null;
  /** Kept for yearly and semiannual plans only (null otherwise), as bill_charges_monthly. */
  bill_fixed_charges_monthly?: boolean | null;
  invoice_display_name?: string | null;
  description?: string | null;
  tax_codes?: string[] | null;
  metadata?: Record<string, string | null> | null;
  charges?: ChargeInput[] | null;
  /** Progressive billing (issue 15): sent, they replace the plan's thresholds (null or [] removes them). */
  usage_thresholds?: UsageThresholdInput[] | null;
  minimum_commitment?: MinimumCommitmentInput | null;
  /** Lago's fixed charges (plan-fixed-charges.ts). */
  fixed_charges?: FixedChargeInput[] | null;
}

/** A plan's minimum commitment as sent (Lago's MinimumCommitmentInput). */
export interface MinimumCommitmentInput {
  amount_cents?: bigint | null;
  invoice_display_name?: string | null;
  tax_codes?: string[] | null;
}

export type UpdatePlanInput = Partial<CreatePlanInput>;

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** A commitment sent with something in it must end with amount_cents > 0 (Lago's validation). */
function checkMinimumCommitment(input: MinimumCommitmentInput | null | undefined, current: CommitmentRow | undefined, problems: Problems): void {
  if (input === undefined || input === null || !isPresent(input)) return;
  const amount = input.amount_cents !== undefined ? input.amount_cents : current?.amount_cents;
  if (amount === undefined || amount === null) problems.add('minimum_commitment.amount_cents', 'value_is_mandatory');
  else if (amount <= 0n) problems.add('minimum_commitment.amount_cents', 'value_is_out_of_range');
}

/**
 * Writes the plan's minimum commitment as `input` asks (see the header): undefined or null keeps
 * it, `{}` removes it, otherwise the keys sent change it (creating it if absent). Problems are
 * recorded on `minimum_commitment.*`; nothing is written then.
 */
async function writeMinimumCommitment(trx: Tx, organizationId: string, planId: string, input: MinimumCommitmentInput | null | undefined): Promise<void> {
  if (input === undefined || input === null) return;
  const current = await findMinimumCommitment(trx, planId);
  if (!isPresent(input)) {
    if (current) await deleteMinimumCommitment(trx, current.id);
    return;
  }
  const problems = new Problems();
  checkMinimumCommitment(input, current, problems);
  problems.throwIfAny();
  const amount = input.amount_cents !== undefined ? input.amount_cents : current?.amount_cents;
  const taxIds = input.tax_codes !== undefined && input.tax_codes !== null
    ? await resolveTaxCodes(trx, organizationId, input.tax_codes, 'minimum_commitment.tax_codes')
    : undefined;
  const fields = {
    amount_cents: amount!,
    invoice_display_name: input.invoice_display_name !== undefined ? input.invoice_display_name : (current?.invoice_display_name ?? null),
  };
  const commitment = current
    ? await updateMinimumCommitment(trx, current.id, fields)
    : await insertMinimumCommitment(trx, organizationId, planId, fields);
  if (taxIds) await replaceTaxLinks(trx, 'commitment_taxes', commitment.id, taxIds);
}

function billChargesMonthly(interval: Interval, value: boolean | null | undefined): boolean | null {
  return interval === 'yearly' || interval === 'semiannual' ? (value ?? false) : null;
}

async function planView(db: Conn, organizationId: string, plan: PlanRow): Promise<PlanView> {
  return (await loadPlanViews(db, organizationId, [plan]))[0]!;
}

/** `plan.created` / `plan.updated` / `plan.deleted` with the plan as the API shows it. */
async function recordPlanEvent(trx: Tx, webhookType: Extract<WebhookType, `plan.${string}`>, view: PlanView, idempotencyKey?: string): Promise<void> {
  await recordWebhookEvent(trx, {
    organizationId: view.plan.organization_id,
    webhookType,
    objectType: 'plan',
    object: serializePlanView(view),
    idempotencyKey,
  });
}

/** Maps unique-index races to Lago's `value_already_exist`. */
async function uniqueCodes<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error, 'plans_code')) throw invalidField('code', 'value_already_exist');
    if (isUniqueViolation(error, 'charges_code')) throw invalidField('charges', 'value_already_exist');
    if (isUniqueViolation(error, 'fixed_charges_code')) throw invalidField('fixed_charges', 'value_already_exist');
    throw error;
  }
}

async function writeCharges(trx: Tx, organizationId: string, planId: string, prepared: readonly PreparedCharge[]): Promise<void> {
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

async function writeFixedCharges(trx: Tx, organizationId: string, planId: string, prepared: readonly PreparedFixedCharge[]): Promise<void> {
  // Codes may be swapped between kept fixed charges: park the changing ones on a unique temporary code first.
  for (const { current, fields } of prepared) {
    if (current && current.code !== fields.code) await updateFixedCharge(trx, current.id, { code: `~moving~${current.id}` });
  }
  for (const { current, fields, taxIds } of prepared) {
    const id = current ? current.id : (await insertFixedCharge(trx, organizationId, planId, fields)).id;
    if (current) await updateFixedCharge(trx, id, fields);
    if (taxIds) await replaceTaxLinks(trx, 'fixed_charge_taxes', id, taxIds);
  }
}

export async function createPlan(db: Db, organizationId: string, input: CreatePlanInput): Promise<PlanView> {
  return uniqueCodes(() =>
    db.transaction(async (trx) => {
      const problems = new Problems();
      if (await findPlanByCode(trx, organizationId, input.code)) problems.add('code', 'value_already_exist');
      const charges = await prepareCharges(trx, organizationId, input.charges ?? [], [], problems);
      const fixedCharges = await prepareFixedCharges(trx, organizationId, input.fixed_charges ?? [], [], problems, false);
      checkUsageThresholds(input.usage_thresholds, problems);
      checkMinimumCommitment(input.minimum_commitment, undefined, problems);
      problems.throwIfAny();
      const taxIds = await resolveTaxCodes(trx, organizationId, input.tax_codes ?? []);
      const plan = await insertPlan(trx, organizationId, {
        code: input.code,
        name: input.name,
        interval: input.interval,
        amount_cents: input.amount_cents,
        amount_currency: input.amount_currency,
        pay_in_advance: input.pay_in_advance,
        trial_period: String(input.trial_period ?? 0),
        bill_charges_monthly: billChargesMonthly(input.interval, input.bill_charges_monthly),
        bill_fixed_charges_monthly: billChargesMonthly(input.interval, input.bill_fixed_charges_monthly),
        invoice_display_name: input.invoice_display_name ?? null,
        description: input.description ?? null,
        metadata: input.metadata ?? null,
      });
      await replaceTaxLinks(trx, 'plan_taxes', plan.id, taxIds);
      await writeCharges(trx, organizationId, plan.id, charges);
      await writeFixedCharges(trx, organizationId, plan.id, fixedCharges);
      await writeUsageThresholds(trx, organizationId, { planId: plan.id }, input.usage_thresholds);
      await writeMinimumCommitment(trx, organizationId, plan.id, input.minimum_commitment);
      const view = await planView(trx, organizationId, plan);
      await recordPlanEvent(trx, 'plan.created', view);
      return view;
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

export async function listPlans(db: Db, organizationId: string, page: Page): Promise<Paginated<PlanView>> {
  const { rows, meta } = await listLivePlans(db, organizationId, page);
  return { rows: await loadPlanViews(db, organizationId, rows), meta };
}

const LOCKED_BY_SUBSCRIPTIONS = ['interval', 'pay_in_advance', 'amount_currency', 'bill_charges_monthly', 'bill_fixed_charges_monthly'] as const;

export async function updatePlanByCode(db: Db, organizationId: string, code: string, input: UpdatePlanInput): Promise<PlanView> {
  return uniqueCodes(() =>
    db.transaction(async (trx) => {
      const current = await getPlan(trx, organizationId, code);
      await lockPlan(trx, current.id);
      return updatePlanRecord(trx, organizationId, current, input);
    }),
  );
}

/**
 * Updates a plan already read and locked, as `PUT /plans/:code` does: the catalog's plans and the
 * child plans of subscriptions' overrides (plan-overrides.ts) alike. A child plan records no
 * `plan.updated` (Lago's webhooks are about the catalog's plans).
 */
export async function updatePlanRecord(trx: Tx, organizationId: string, current: PlanRow, input: UpdatePlanInput): Promise<PlanView> {
  const problems = new Problems();
  if (input.code !== undefined && input.code !== current.code && (await findPlanByCode(trx, organizationId, input.code))) {
    problems.add('code', 'value_already_exist');
  }
  const interval = input.interval ?? current.interval;
  const fields: PlanFields = {
    code: input.code ?? undefined,
    name: input.name ?? undefined,
    interval,
    amount_cents: input.amount_cents ?? undefined,
    amount_currency: input.amount_currency ?? undefined,
    pay_in_advance: input.pay_in_advance ?? undefined,
    trial_period: input.trial_period !== undefined ? String(input.trial_period ?? 0) : undefined,
    bill_charges_monthly: billChargesMonthly(interval, input.bill_charges_monthly !== undefined ? input.bill_charges_monthly : current.bill_charges_monthly),
    bill_fixed_charges_monthly: billChargesMonthly(interval, input.bill_fixed_charges_monthly !== undefined ? input.bill_fixed_charges_monthly : current.bill_fixed_charges_monthly),
    invoice_display_name: input.invoice_display_name,
    description: input.description,
    metadata: input.metadata,
  };
  const live = await planHasLiveSubscriptions(trx, current.id);
  if (live) {
    for (const field of LOCKED_BY_SUBSCRIPTIONS) {
      if (input[field] !== undefined && fields[field] !== current[field]) problems.add(field, 'cannot_change_with_active_subscriptions');
    }
  }
  const existing = await liveChargesOfPlans(trx, [current.id]);
  const charges = input.charges !== undefined ? await prepareCharges(trx, organizationId, input.charges ?? [], existing, problems) : undefined;
  const existingFixed = await liveFixedChargesOfPlans(trx, [current.id]);
  const fixedCharges = input.fixed_charges !== undefined
    ? await prepareFixedCharges(trx, organizationId, input.fixed_charges ?? [], existingFixed, problems, live)
    : undefined;
  checkUsageThresholds(input.usage_thresholds, problems);
  checkMinimumCommitment(input.minimum_commitment, await findMinimumCommitment(trx, current.id), problems);
  problems.throwIfAny();
  const taxIds = input.tax_codes !== undefined ? await resolveTaxCodes(trx, organizationId, input.tax_codes ?? []) : undefined;

  const changes = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as PlanFields;
  const plan = await updatePlan(trx, current.id, changes);
  if (changes.code !== undefined && current.parent_id === null) await renameChildPlans(trx, plan.id, changes.code);
  if (taxIds) await replaceTaxLinks(trx, 'plan_taxes', plan.id, taxIds);
  if (charges) {
    const kept = new Set(charges.flatMap(({ current: charge }) => (charge ? [charge.id] : [])));
    await softDeleteCharges(trx, existing.filter((charge) => !kept.has(charge.id)).map((charge) => charge.id));
    await writeCharges(trx, organizationId, plan.id, charges);
  }
  if (fixedCharges) {
    const kept = new Set(fixedCharges.flatMap(({ current: charge }) => (charge ? [charge.id] : [])));
    await softDeleteFixedCharges(trx, existingFixed.filter((charge) => !kept.has(charge.id)).map((charge) => charge.id));
    await writeFixedCharges(trx, organizationId, plan.id, fixedCharges);
  }
  if (input.usage_thresholds !== undefined) await writeUsageThresholds(trx, organizationId, { planId: plan.id }, input.usage_thresholds);
  await writeMinimumCommitment(trx, organizationId, plan.id, input.minimum_commitment);
  const view = await planView(trx, organizationId, plan);
  if (plan.parent_id === null) await recordPlanEvent(trx, 'plan.updated', view);
  return view;
}

/**
 * `DELETE /plans/:code`, first step: marks the plan `pending_deletion` and records `plan.deleted`
 * (once), as Lago does when it accepts the deletion. Asking again answers the plan as it is.
 */
export async function markPlanForDeletion(db: Db, organizationId: string, code: string): Promise<PlanView> {
  return db.transaction(async (trx) => {
    const current = await getPlan(trx, organizationId, code);
    await lockPlan(trx, current.id);
    const view = await planView(trx, organizationId, await markPlanPendingDeletion(trx, current.id));
    await recordPlanEvent(trx, 'plan.deleted', view, `plan.deleted:${current.id}`);
    return view;
  });
}

/**
 * Soft-deletes a plan pending deletion once no subscription is pending or active on it; true when
 * it did (or the plan is gone already). Under the plan's lock: when two subscriptions end at once,
 * the second to take it sees both ended. Safe to repeat.
 */
export async function retirePlanIfUnused(db: Db, organizationId: string, planId: string): Promise<boolean> {
  const plan = await findPlanById(db, organizationId, planId);
  if (!plan || plan.deleted_at !== null) return true;
  if (!plan.pending_deletion) return false; // never unset but by the deletion: no lock needed to say no
  return db.transaction(async (trx) => {
    await lockPlan(trx, planId);
    const locked = (await findPlanById(trx, organizationId, planId))!;
    if (locked.deleted_at !== null) return true;
    if (await planHasLiveSubscriptions(trx, planId)) return false;
    await softDeletePlan(trx, planId);
    return true;
  });
}

/** Whether a plan accepts new subscriptions: not while it is pending deletion (422 `plan_code: plan_pending_deletion`). */
export function assertPlanSubscribable(plan: PlanRow): void {
  if (plan.pending_deletion) throw invalidField('plan_code', 'plan_pending_deletion');
}
