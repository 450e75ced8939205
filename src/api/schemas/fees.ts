/** `GET /fees` filters and `PUT /fees/:id` (Lago's FeeUpdateInput). */
import { z } from 'zod';
import { FEE_PAYMENT_STATUSES, FEE_TYPES, type UpdateFeeInput } from '../../services/invoicing/fees';
import { currencyParam, instantParam, text } from './query';
import { SHOWN, withContract } from '../contract';

export const updateFeeSchema = withContract(z.object({
  payment_status: z.enum(FEE_PAYMENT_STATUSES),
}), { honoured: { payment_status: SHOWN }, refused: {} }) satisfies z.ZodType<UpdateFeeInput>;

export const feeQuerySchema = z.object({
  external_customer_id: text.optional(),
  external_subscription_id: text.optional(),
  event_transaction_id: text.optional(),
  currency: currencyParam.optional(),
  fee_type: z.enum(FEE_TYPES).optional(),
  billable_metric_code: text.optional(),
  payment_status: z.enum(FEE_PAYMENT_STATUSES).optional(),
  created_at_from: instantParam.optional(),
  created_at_to: instantParam.optional(),
  succeeded_at_from: instantParam.optional(),
  succeeded_at_to: instantParam.optional(),
  failed_at_from: instantParam.optional(),
  failed_at_to: instantParam.optional(),
  refunded_at_from: instantParam.optional(),
  refunded_at_to: instantParam.optional(),
});
