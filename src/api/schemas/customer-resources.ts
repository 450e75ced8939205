/**
 * Query strings and bodies of the customer-scoped routes (`/customers/:external_id/…`) and of
 * analytics. Lago parameters Billow does not honour are refused by name (`feature_not_supported`).
 */
import { z } from 'zod';
import { createWalletSchema, updateWalletSchema } from './money';
import { metadataSchema } from './metadata';
import { contractOf, withContract, type RequestContract } from '../contract';
import { currencyParam, integerParam, text, unsupportedParams } from './query';
import type { CreateCustomerWalletInput, UpdateCustomerWalletInput } from '../../services/credits/customer-wallets';

/**
 * The customer-scoped wallet routes take the bodies of `POST /wallets` and `PUT /wallets/:id`, so
 * they honour and refuse the same fields (the customer-scoped answer shows `external_customer_id` as
 * the path's, `metadata` as set).
 */
function withParentContract<T extends z.ZodType>(parent: z.ZodType, schema: T): T {
  const contract: RequestContract | undefined = contractOf(parent);
  if (!contract) throw new Error('The wallet schemas declare their request contract');
  return withContract(schema, contract);
}

/**
 * `POST /customers/:external_id/wallets`: the wallet body, its customer given by the path, and
 * Lago's `metadata` (its MetadataInput: the wallet's key → value object).
 */
export const createCustomerWalletSchema = withParentContract(createWalletSchema, createWalletSchema.extend({
  external_customer_id: z.string().trim().min(1).max(255).nullish(),
  metadata: metadataSchema.nullish(),
})) satisfies z.ZodType<CreateCustomerWalletInput>;

/** `PUT /customers/:external_id/wallets/:code`: the wallet update, and `metadata` replacing the wallet's (null clears it). */
export const updateCustomerWalletSchema = withParentContract(updateWalletSchema, updateWalletSchema.extend({
  metadata: metadataSchema.nullish(),
})) satisfies z.ZodType<UpdateCustomerWalletInput>;

/**
 * `GET /customers/:external_id/invoices`, beyond the filters `GET /invoices` reads: no invoice is
 * self-billed or has a lost dispute in Billow, so `true` selects none and `false` all.
 */
export const customerInvoiceQuerySchema = z.object({
  self_billed: z.enum(['true', 'false']).optional(),
  payment_dispute_lost: z.enum(['true', 'false']).optional(),
  ...unsupportedParams('search_term', 'metadata'),
});

const SUBSCRIPTION_STATUSES = ['pending', 'canceled', 'terminated', 'active'] as const;
const statusList = z.union([z.enum(SUBSCRIPTION_STATUSES), z.array(z.enum(SUBSCRIPTION_STATUSES)).max(4)]).transform((value) => [value].flat());

/** `GET /customers/:external_id/subscriptions`: `status[]` (default active) and `plan_code`. */
export const customerSubscriptionQuerySchema = z.object({
  plan_code: text.optional(),
  status: statusList.optional(),
  'status[]': statusList.optional(),
  ...unsupportedParams('billing_entity_codes', 'billing_entity_codes[]'),
});

/** `GET /customers/:external_id/wallets`. */
export const customerWalletQuerySchema = z.object({
  ...unsupportedParams('billing_entity_codes', 'billing_entity_codes[]', 'currency'),
});

/** `GET /customers/:external_id/credit_notes`: Lago's filters are not honoured yet, and refused. */
export const customerCreditNoteQuerySchema = z.object({
  ...unsupportedParams(
    'issuing_date_from', 'issuing_date_to', 'search_term', 'reason', 'credit_status', 'refund_status', 'invoice_number',
    'amount_from', 'amount_to', 'self_billed', 'billing_entity_codes', 'billing_entity_codes[]',
  ),
});

/** `GET /customers/:external_id/past_usage`. */
export const pastUsageQuerySchema = z.object({
  external_subscription_id: text.min(1),
  billable_metric_code: text.optional(),
  periods_count: integerParam(1, 1000).optional(),
});

/** `GET /analytics/*`: Lago's `currency` and `months`, and `external_customer_id` on every metric. */
export const analyticsQuerySchema = z.object({
  currency: currencyParam.optional(),
  months: integerParam(0, 1200).optional(),
  external_customer_id: text.optional(),
  ...unsupportedParams('billing_entity_code'),
});
