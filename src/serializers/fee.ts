/** A fee on its own (`/fees`), as Lago's FeeSerializer shows it. */
import type { ListedFeeRow } from '../db/fees';
import { isoSeconds } from './common';
import { serializeFee } from './invoice';

/**
 * Owned by its invoice's customer or its subscription's; paid with its invoice or, without one, by
 * its own payment status and the timestamp of that status.
 */
export function serializeListedFee(fee: ListedFeeRow) {
  const own = fee.invoice_id === null;
  return {
    ...serializeFee(fee, { customerId: fee.customer_id, externalCustomerId: fee.external_customer_id, paymentStatus: fee.effective_payment_status }, fee.external_subscription_id),
    succeeded_at: isoSeconds(own ? fee.succeeded_at : null),
    failed_at: isoSeconds(own ? fee.failed_at : null),
    refunded_at: isoSeconds(own ? fee.refunded_at : null),
  };
}
