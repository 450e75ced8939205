/**
 * Fees as a resource (Lago's `GET /fees`, `GET/PUT/DELETE /fees/:id`). Lago's rules:
 * - a fee is listed and read whether it is on an invoice (any status the API shows) or billed
 *   without one (a pay-in-advance charge that is not invoiceable); another organization's fee, a
 *   deleted one or an id that is not a uuid is `fee_not_found`;
 * - `payment_status` (pending, succeeded, failed, refunded) may be set only on a fee without an
 *   invoice: an invoiced fee is paid with its invoice (405 `invoiced_fee`). Only the timestamp of
 *   the current status is kept (`succeeded_at`, `failed_at` or `refunded_at`, the others null);
 * - only a fee without an invoice may be deleted (405 `invoiced_fee`), and, beyond Lago, only while
 *   unpaid: a `succeeded` or `refunded` fee records money that moved and stays (405 `paid_fee`).
 *   Deletion is soft: the fee disappears from every answer but its business key stays taken, so a
 *   retried activity never bills its event again.
 */
import type { Db } from '../../db/knex';
import {
  feesPage, findListedFee, setFeePaymentStatus, softDeleteFee,
  type FeeListFilters, type FeePaymentStatus, type ListedFeeRow,
} from '../../db/fees';
import { methodNotAllowed, notFound } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';

export { FEE_PAYMENT_STATUSES, FEE_TYPES, type FeeListFilters, type FeePaymentStatus, type ListedFeeRow } from '../../db/fees';

/** `PUT /fees/:id`. */
export interface UpdateFeeInput {
  payment_status?: FeePaymentStatus;
}

export async function listFees(db: Db, organizationId: string, filters: FeeListFilters, page: Page): Promise<Paginated<ListedFeeRow>> {
  return feesPage(db, organizationId, filters, page);
}

export async function getFee(db: Db, organizationId: string, id: string): Promise<ListedFeeRow> {
  const fee = await findListedFee(db, organizationId, id);
  if (!fee) throw notFound('fee');
  return fee;
}

export async function updateFee(db: Db, organizationId: string, id: string, input: UpdateFeeInput, nowMs: number): Promise<ListedFeeRow> {
  return db.transaction(async (trx) => {
    const fee = await findListedFee(trx, organizationId, id, { forUpdate: true });
    if (!fee) throw notFound('fee');
    if (input.payment_status === undefined) return fee;
    if (fee.invoice_id !== null) throw methodNotAllowed('invoiced_fee');
    await setFeePaymentStatus(trx, organizationId, fee.id, input.payment_status, new Date(nowMs));
    return (await findListedFee(trx, organizationId, fee.id))!;
  });
}

const PAID: readonly FeePaymentStatus[] = ['succeeded', 'refunded'];

/** Answers the fee as it was before its deletion. */
export async function deleteFee(db: Db, organizationId: string, id: string, nowMs: number): Promise<ListedFeeRow> {
  return db.transaction(async (trx) => {
    const fee = await findListedFee(trx, organizationId, id, { forUpdate: true });
    if (!fee) throw notFound('fee');
    if (fee.invoice_id !== null) throw methodNotAllowed('invoiced_fee');
    if (PAID.includes(fee.payment_status)) throw methodNotAllowed('paid_fee');
    await softDeleteFee(trx, organizationId, fee.id, new Date(nowMs));
    return fee;
  });
}
