/** Request bodies of the money-out resources: invoice actions, one-off invoices, wallets, wallet transactions, credit notes. */
import { z } from 'zod';
import { amountCents, currency, optionalText } from './common';
import { issue } from '../validation';
import { CreditsError, parseCreditAmount } from '../../billing/wallet-credits';
import { PAYMENT_STATUSES } from '../../services/invoicing/invoice-actions';
import {
  CREDIT_NOTE_REASONS, REFUND_STATUSES,
  type CreateWalletInput, type IssueCreditNoteInput, type UpdateCreditNoteInput, type UpdateWalletInput, type WalletTransactionInput,
} from '../../services/credits';
import type { Dec } from '../../billing/money';

/** A non-negative decimal (string or number) with at most `maxDecimals` decimals; `positive` refuses 0. */
function decimal(maxDecimals: number, positive = false) {
  return z.union([z.string(), z.number()]).transform((value, ctx): Dec => {
    try {
      const parsed = parseCreditAmount(value, maxDecimals);
      if (positive && parsed.isZero()) {
        issue(ctx, [], 'value_is_out_of_range');
        return z.NEVER;
      }
      return parsed;
    } catch (error) {
      issue(ctx, [], error instanceof CreditsError ? error.code : 'value_is_invalid');
      return z.NEVER;
    }
  });
}

/** ISO-8601 instant ("2027-01-31T00:00:00Z"); anything else is `invalid_date`. */
const instant = z.string().transform((value, ctx): Date => {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    issue(ctx, [], 'invalid_date');
    return z.NEVER;
  }
  return new Date(ms);
});

function nonEmpty<T extends z.ZodType>(item: T) {
  return z.array(item).max(100).superRefine((list, ctx) => {
    if (list.length === 0) issue(ctx, [], 'value_is_mandatory');
  });
}

const metadataItem = z.object({ key: z.string().min(1).max(255), value: z.string().max(255) });
const credits = decimal(5);
const code = z.string().trim().min(1).max(255);

// Invoices ------------------------------------------------------------------------------------

export const updateInvoiceSchema = z.object({
  payment_status: z.enum(PAYMENT_STATUSES).optional(),
  metadata: z.array(metadataItem.extend({ id: z.string().nullish() })).optional(),
});

export const oneOffInvoiceSchema = z.object({
  external_customer_id: z.string().trim().min(1),
  currency: currency.nullish(),
  fees: nonEmpty(z.object({
    add_on_code: code,
    unit_amount_cents: amountCents.nullish(),
    units: decimal(15, true).nullish(),
    description: optionalText,
    invoice_display_name: optionalText,
    from_datetime: instant.nullish(),
    to_datetime: instant.nullish(),
    tax_codes: z.array(z.string().trim().min(1)).max(20).transform((codes) => [...new Set(codes)]).nullish(),
  })),
});

// Wallets -------------------------------------------------------------------------------------

export const createWalletSchema = z.object({
  external_customer_id: z.string().trim().min(1),
  rate_amount: decimal(15, true),
  currency,
  name: optionalText,
  code: code.nullish(),
  priority: z.number().int().min(1).max(50).nullish(),
  paid_credits: credits.nullish(),
  granted_credits: credits.nullish(),
  expiration_at: instant.nullish(),
  invoice_requires_successful_payment: z.boolean().nullish(),
  transaction_name: optionalText,
  transaction_metadata: z.array(metadataItem).max(20).nullish(),
}) satisfies z.ZodType<CreateWalletInput>;

export const updateWalletSchema = z.object({
  name: optionalText,
  code: code.nullish(),
  priority: z.number().int().min(1).max(50).nullish(),
  expiration_at: instant.nullish(),
  invoice_requires_successful_payment: z.boolean().nullish(),
}) satisfies z.ZodType<UpdateWalletInput>;

export const walletTransactionSchema = z.object({
  wallet_id: z.string().trim().min(1),
  paid_credits: credits.nullish(),
  granted_credits: credits.nullish(),
  voided_credits: credits.nullish(),
  name: optionalText,
  metadata: z.array(metadataItem).max(20).nullish(),
  invoice_requires_successful_payment: z.boolean().nullish(),
}) satisfies z.ZodType<WalletTransactionInput>;

// Credit notes --------------------------------------------------------------------------------

export const createCreditNoteSchema = z.object({
  invoice_id: z.string().trim().min(1),
  reason: z.enum(CREDIT_NOTE_REASONS).default('other'),
  description: optionalText,
  credit_amount_cents: amountCents.nullish(),
  refund_amount_cents: amountCents.nullish(),
  items: nonEmpty(z.object({ fee_id: z.string().trim().min(1), amount_cents: amountCents })),
}) satisfies z.ZodType<IssueCreditNoteInput>;

export const updateCreditNoteSchema = z.object({
  refund_status: z.enum(REFUND_STATUSES),
}) satisfies z.ZodType<UpdateCreditNoteInput>;
