/**
 * Refunds at a provider (migration 025): one per credit note and payment it goes back through,
 * inserted once per idempotency key (`credit_note:<id>:payment:<id>`), so a retried activity finds
 * the row it wrote before. Every read is scoped by organization.
 */
import type { Conn, Tx } from './knex';
import { isUuid } from '../runtime/errors';

export const REFUND_ROW_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type RefundRowStatus = (typeof REFUND_ROW_STATUSES)[number];

export interface RefundRow {
  id: string;
  organization_id: string;
  credit_note_id: string;
  payment_id: string;
  provider_type: string;
  provider_refund_id: string | null;
  idempotency_key: string;
  amount_cents: bigint;
  currency: string;
  status: RefundRowStatus;
  provider_error: Record<string, unknown> | null;
  refunded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type NewRefund = Pick<RefundRow, 'credit_note_id' | 'payment_id' | 'provider_type' | 'idempotency_key' | 'amount_cents' | 'currency' | 'status'>;

const refundsOf = (conn: Conn, organizationId: string) => conn<RefundRow>('refunds').where({ organization_id: organizationId });

/** Inserts the refund of `idempotency_key` unless it exists; returns the row. */
export async function insertRefundOnce(trx: Tx, organizationId: string, refund: NewRefund): Promise<RefundRow> {
  const [row] = await trx<RefundRow>('refunds').insert({ ...refund, organization_id: organizationId } as never)
    .onConflict(['organization_id', 'idempotency_key']).ignore().returning('*');
  if (row) return row as RefundRow;
  return (await refundsOf(trx, organizationId).where({ idempotency_key: refund.idempotency_key }).first())!;
}

export async function findRefund(conn: Conn, organizationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<RefundRow | undefined> {
  if (!isUuid(id)) return undefined;
  const query = refundsOf(conn, organizationId).where({ id });
  return (options.forUpdate ? query.forUpdate() : query).first();
}

/** The refund a provider knows by `providerRefundId`, locked until the transaction ends. */
export async function lockRefundByProviderId(trx: Tx, organizationId: string, providerType: string, providerRefundId: string): Promise<RefundRow | undefined> {
  return refundsOf(trx, organizationId).where({ provider_type: providerType, provider_refund_id: providerRefundId }).forUpdate().first();
}

export async function refundsOfCreditNote(conn: Conn, organizationId: string, creditNoteId: string): Promise<RefundRow[]> {
  return refundsOf(conn, organizationId).where({ credit_note_id: creditNoteId }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

/** What the payment's refunds (pending or succeeded) take back: what a new refund may not exceed with it. */
export async function refundedAmountOfPayment(conn: Conn, organizationId: string, paymentId: string): Promise<bigint> {
  const row = await refundsOf(conn, organizationId).where({ payment_id: paymentId }).whereIn('status', ['pending', 'succeeded'])
    .sum<{ sum: string | null }>('amount_cents as sum').first();
  return BigInt(row?.sum ?? 0);
}

export async function updateRefund(conn: Conn, refund: Pick<RefundRow, 'id' | 'organization_id'>, fields: Partial<Omit<RefundRow, 'id' | 'organization_id'>>): Promise<RefundRow> {
  const values: Record<string, unknown> = { ...fields, updated_at: conn.fn.now() };
  if (fields.provider_error !== undefined) values.provider_error = fields.provider_error === null ? null : JSON.stringify(fields.provider_error);
  const [row] = await refundsOf(conn, refund.organization_id).where({ id: refund.id }).update(values as never).returning('*');
  return row as RefundRow;
}
