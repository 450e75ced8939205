/**
 * Child plans (migration 027, Lago's plan overrides): a copy of a parent plan, with the same code,
 * that one subscription is billed on. The copy takes everything billing reads from a plan: the
 * plan's row and taxes, its live charges (filters included, keeping their ids) and their taxes,
 * its live fixed charges and their taxes, its usage thresholds, and its minimum commitment with its
 * taxes. Each copied charge and fixed charge names the one it was copied from (`parent_id`).
 * Entitlements are not copied: a child grants what its parent grants (services/entitlements).
 */
import type { Conn, Tx } from './knex';
import type { PlanRow } from './plans';
import type { ChargeRow } from './charges';
import type { FixedChargeRow } from './fixed-charges';

const ROW_ONLY = ['id', 'created_at', 'updated_at'] as const;

function copyOf<T extends object>(row: T, drop: readonly string[] = []): Record<string, unknown> {
  const copy = { ...row } as Record<string, unknown>;
  for (const key of [...ROW_ONLY, ...drop]) delete copy[key];
  return copy;
}

async function copyTaxLinks(trx: Tx, table: string, fromId: string, toId: string): Promise<void> {
  await trx.raw(`INSERT INTO ${table} (owner_id, tax_id) SELECT ?, tax_id FROM ${table} WHERE owner_id = ?`, [toId, fromId]);
}

/** Copies a live parent plan into a new child plan (see the header); answers the child's row. */
export async function insertChildPlan(trx: Tx, parent: PlanRow): Promise<PlanRow> {
  const [child] = await trx<PlanRow>('plans')
    .insert({ ...copyOf(parent, ['deleted_at', 'pending_deletion']), metadata: parent.metadata === null ? null : JSON.stringify(parent.metadata), parent_id: parent.id } as never)
    .returning('*');
  await copyTaxLinks(trx, 'plan_taxes', parent.id, child!.id);
  const charges = await trx<ChargeRow>('charges').where({ plan_id: parent.id }).whereNull('deleted_at').orderBy([{ column: 'created_at' }, { column: 'id' }]);
  for (const charge of charges) {
    // clock_timestamp(): the child's charges keep their parent's order.
    const [copy] = await trx('charges').insert({
      ...copyOf(charge, ['parent_id']), filters: JSON.stringify(charge.filters), properties: JSON.stringify(charge.properties),
      plan_id: child!.id, parent_id: charge.id, created_at: trx.raw('clock_timestamp()'),
    }).returning('id');
    await copyTaxLinks(trx, 'charge_taxes', charge.id, (copy as { id: string }).id);
  }
  const fixedCharges = await trx<FixedChargeRow>('fixed_charges').where({ plan_id: parent.id }).whereNull('deleted_at').orderBy([{ column: 'created_at' }, { column: 'id' }]);
  for (const fixedCharge of fixedCharges) {
    const [copy] = await trx('fixed_charges').insert({
      ...copyOf(fixedCharge, ['parent_id']), properties: JSON.stringify(fixedCharge.properties),
      plan_id: child!.id, parent_id: fixedCharge.id, created_at: trx.raw('clock_timestamp()'),
    }).returning('id');
    await copyTaxLinks(trx, 'fixed_charge_taxes', fixedCharge.id, (copy as { id: string }).id);
  }
  await trx.raw(
    `INSERT INTO usage_thresholds (organization_id, plan_id, amount_cents, threshold_display_name, recurring)
     SELECT organization_id, ?, amount_cents, threshold_display_name, recurring FROM usage_thresholds WHERE plan_id = ? AND deleted_at IS NULL`,
    [child!.id, parent.id],
  );
  const commitments = await trx('commitments').where({ plan_id: parent.id }) as { id: string }[];
  for (const commitment of commitments) {
    const [copy] = await trx('commitments').insert({ ...copyOf(commitment), plan_id: child!.id }).returning('id');
    await copyTaxLinks(trx, 'commitment_taxes', commitment.id, (copy as { id: string }).id);
  }
  return child!;
}

/**
 * A subscription moved from a plan onto its child keeps its fixed charges' units: its units
 * history is copied onto the child's fixed charges (each the copy of the one it names).
 */
export async function carryUnitsToChild(trx: Tx, subscriptionId: string, childPlanId: string): Promise<void> {
  await trx.raw(
    `INSERT INTO fixed_charge_units (organization_id, subscription_id, fixed_charge_id, units, effective_at, created_at)
     SELECT u.organization_id, u.subscription_id, c.id, u.units, u.effective_at, u.created_at
       FROM fixed_charge_units u JOIN fixed_charges c ON c.parent_id = u.fixed_charge_id AND c.plan_id = ?
      WHERE u.subscription_id = ?
      ORDER BY u.seq`,
    [childPlanId, subscriptionId],
  );
}

/** The live children of a plan. */
export async function childPlansOf(db: Conn, parentId: string): Promise<PlanRow[]> {
  return db<PlanRow>('plans').where({ parent_id: parentId }).whereNull('deleted_at');
}

/** A catalog plan's new code given to its children (they answer by their parent's code). */
export async function renameChildPlans(trx: Tx, parentId: string, code: string): Promise<void> {
  await trx('plans').where({ parent_id: parentId }).update({ code, updated_at: trx.fn.now() });
}

/** The live charges copied from this charge, in the live children of its plan. */
export async function childChargesOf(db: Conn, chargeId: string): Promise<ChargeRow[]> {
  return db<ChargeRow>('charges').join('plans', 'plans.id', 'charges.plan_id')
    .where('charges.parent_id', chargeId).whereNull('charges.deleted_at').whereNull('plans.deleted_at')
    .select('charges.*') as Promise<ChargeRow[]>;
}

/** The catalog's plan a plan stands for: its parent for a child, itself otherwise (what it grants, what it is compared by). */
export async function catalogPlanIdOf(db: Conn, planId: string): Promise<string> {
  const row = await db<PlanRow>('plans').where({ id: planId }).first('parent_id');
  return row?.parent_id ?? planId;
}
