/**
 * Plans' minimum commitments (migration 020; Lago's Commitment, `minimum_commitment` type, at most
 * one per plan) and the fees that count towards one: a subscription's base and usage fees of a plan
 * period, on the invoices that still count and without an invoice (in-advance fees not invoiceable).
 */
import type { Conn } from './knex';

export interface CommitmentRow {
  id: string;
  organization_id: string;
  plan_id: string;
  commitment_type: 'minimum_commitment';
  amount_cents: bigint;
  invoice_display_name: string | null;
  created_at: Date;
  updated_at: Date;
}

export type CommitmentFields = Pick<CommitmentRow, 'amount_cents' | 'invoice_display_name'>;

/** The minimum commitment of each plan that has one, by plan id. */
export async function minimumCommitmentsOfPlans(db: Conn, planIds: readonly string[]): Promise<Map<string, CommitmentRow>> {
  if (planIds.length === 0) return new Map();
  const rows = await db<CommitmentRow>('commitments').whereIn('plan_id', [...new Set(planIds)]).where({ commitment_type: 'minimum_commitment' });
  return new Map(rows.map((row) => [row.plan_id, row]));
}

export async function findMinimumCommitment(db: Conn, planId: string): Promise<CommitmentRow | undefined> {
  return db<CommitmentRow>('commitments').where({ plan_id: planId, commitment_type: 'minimum_commitment' }).first();
}

export async function insertMinimumCommitment(db: Conn, organizationId: string, planId: string, fields: CommitmentFields): Promise<CommitmentRow> {
  const [row] = await db<CommitmentRow>('commitments')
    .insert({ ...fields, organization_id: organizationId, plan_id: planId, commitment_type: 'minimum_commitment' } as never)
    .returning('*');
  return row as CommitmentRow;
}

export async function updateMinimumCommitment(db: Conn, id: string, fields: Partial<CommitmentFields>): Promise<CommitmentRow> {
  const [row] = await db<CommitmentRow>('commitments').where({ id }).update({ ...fields, updated_at: db.fn.now() } as never).returning('*');
  return row as CommitmentRow;
}

/** Deletes the commitment and (by cascade) its tax links. */
export async function deleteMinimumCommitment(db: Conn, id: string): Promise<void> {
  await db('commitments').where({ id }).delete();
}

/** A fee counted towards a commitment. */
export interface CountedFee {
  amount_cents: bigint;
  precise_amount_cents: string;
}

/**
 * The subscription's base, usage and fixed-charge fees whose span lies within [fromMs, toMs], on
 * invoices that still count (not voided or deleted, not `exceptInvoiceId`: a draft being computed
 * again) or billed without an invoice (and not deleted). Commitment true-ups, add-ons and credits
 * do not count.
 */
export async function feesWithinPeriod(
  db: Conn, subscriptionId: string, period: { fromMs: number; toMs: number }, exceptInvoiceId: string | null,
): Promise<CountedFee[]> {
  const query = db('fees')
    .leftJoin('invoices', 'invoices.id', 'fees.invoice_id')
    .where('fees.subscription_id', subscriptionId)
    .whereIn('fees.fee_type', ['subscription', 'charge', 'fixed_charge'])
    .whereNull('fees.deleted_at')
    .where((q) => q.whereNull('fees.invoice_id').orWhereNotIn('invoices.status', ['voided', 'deleted']))
    .where('fees.from_datetime', '>=', new Date(period.fromMs))
    .where('fees.to_datetime', '<=', new Date(period.toMs))
    .select<CountedFee[]>('fees.amount_cents', 'fees.precise_amount_cents');
  if (exceptInvoiceId) query.where((q) => q.whereNull('fees.invoice_id').orWhereNot('fees.invoice_id', exceptInvoiceId));
  return query;
}
