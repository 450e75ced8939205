/** Request bodies of the money-out resources: invoice actions, one-off invoices, wallets, wallet transactions, credit notes. */
import { z } from 'zod';
import { amountCents, currency, isoDateTime, optionalText } from './common';
import { issue } from '../validation';
import { CreditsError, parseCreditAmount } from '../../billing/wallet-credits';
import { PAYMENT_STATUSES } from '../../services/invoicing/invoice-actions';
import {
  CREDIT_NOTE_REASONS, REFUND_STATUSES, WALLET_FEE_TYPES,
  type CreateWalletInput, type IssueCreditNoteInput, type UpdateCreditNoteInput, type UpdateWalletInput, type WalletTransactionInput,
} from '../../services/credits';
import type { Dec } from '../../billing/money';
import {
  SHOWN, honour, refuseNonZero, refuseTrue, refuseUnlessEmpty, refuseUnlessOneOf, shownAs, withContract, type Refusal,
} from '../contract';

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
const purchaseOrderNumber = z.string().max(255).nullish();
/** Lago's MetadataInput: keys (at most 100 characters) → strings (at most 255) or null. */
const keyValueMetadata = z.record(z.string().min(1).max(100), z.string().max(255).nullable()).nullish();

// Refusals shared by several money operations (src/api/contract.ts).
const NO_PAYMENTS = 'Billow collects through the customer\'s payment provider: it cannot pick or gate on a payment method here.';
const NO_BILLING_ENTITIES = 'Billow has a single issuer, the organization: it has no billing entities.';
const NO_CUSTOM_SECTIONS = 'Billow has no invoice custom sections.';
const PAYMENT_METHOD: Record<string, Refusal> = {
  'payment_method.payment_method_type': refuseUnlessOneOf(['provider'], NO_PAYMENTS),
  'payment_method.payment_method_id': refuseUnlessEmpty(NO_PAYMENTS),
};
const CUSTOM_SECTION: Record<string, Refusal> = {
  'invoice_custom_section.skip_invoice_custom_sections': refuseTrue(NO_CUSTOM_SECTIONS),
  'invoice_custom_section.invoice_custom_section_codes': refuseUnlessEmpty(NO_CUSTOM_SECTIONS),
};
// Lago's `invoice_requires_successful_payment`: stored and shown back on wallets, rules and transactions (a wallet's is the default of
// its rules and transactions). Its paid credits stay pending, the balance unchanged, until the credit invoice's payment succeeds, and
// fail when it fails (services/invoicing/credit-draws.ts, settleCreditInvoicePayment): Billow does this for every purchase, with the
// flag or without. The difference from Lago (docs/lago-compatibility.md): the credit invoice is issued finalized and numbered at once,
// where Lago keeps it `open` (unnumbered, unlisted) until it is paid.
/**
 * Lago's `recurring_transaction_rules` (at most one): `threshold` and `interval` rules, fixed or
 * target (services/credits/recurring-top-ups.ts).
 */
const recurringRule = z.object({
  trigger: z.enum(['threshold', 'interval']),
  method: z.enum(['fixed', 'target']).nullish(),
  interval: z.enum(['weekly', 'monthly', 'quarterly', 'semiannual', 'yearly']).nullish(),
  threshold_credits: credits.nullish(),
  paid_credits: credits.nullish(),
  granted_credits: credits.nullish(),
  target_ongoing_balance: credits.nullish(),
  grants_target_top_up: z.boolean().nullish(),
  started_at: instant.nullish(),
  expiration_at: instant.nullish(),
  invoice_requires_successful_payment: z.boolean().nullish(),
  transaction_name: optionalText,
  transaction_metadata: z.array(metadataItem).max(20).nullish(),
  purchase_order_number: purchaseOrderNumber,
});
const createRecurringRules = z.array(recurringRule.extend({ ignore_paid_top_up_limits: z.boolean().nullish() })).max(1).nullish();
const updateRecurringRules = z.array(recurringRule.extend({ lago_id: z.string().trim().min(1).nullish() })).max(1).nullish();
const RULE_FIELDS_SHOWN = ['trigger', 'method', 'interval', 'threshold_credits', 'paid_credits', 'granted_credits', 'target_ongoing_balance', 'grants_target_top_up',
  'started_at', 'expiration_at', 'transaction_name', 'transaction_metadata.*.key', 'transaction_metadata.*.value', 'purchase_order_number', 'invoice_requires_successful_payment']
  .map((field) => `recurring_transaction_rules.*.${field}`);
const RULES_REFUSED: Record<string, Refusal> = {
  'recurring_transaction_rules.*.invoice_custom_section.skip_invoice_custom_sections': refuseTrue(NO_CUSTOM_SECTIONS),
  'recurring_transaction_rules.*.invoice_custom_section.invoice_custom_section_codes': refuseUnlessEmpty(NO_CUSTOM_SECTIONS),
  'recurring_transaction_rules.*.payment_method.payment_method_type': refuseUnlessOneOf(['provider'], NO_PAYMENTS),
  'recurring_transaction_rules.*.payment_method.payment_method_id': refuseUnlessEmpty(NO_PAYMENTS),
};
/** Lago's `applies_to`: what a wallet pays for, on invoices and in its ongoing balance (services/credits/ongoing-balances.ts). */
const appliesTo = z.object({
  fee_types: z.array(z.enum(WALLET_FEE_TYPES)).max(3).nullish(),
  billable_metric_codes: z.array(z.string().trim().min(1).max(255)).max(100).nullish(),
}).nullish();
const APPLIES_TO_HONOURED = {
  'applies_to.fee_types': SHOWN,
  'applies_to.billable_metric_codes': SHOWN,
};
/** A paid top-up limit in cents; positive (Lago: greater_than 0). */
const topUpLimit = amountCents.nullish();

// Invoices ------------------------------------------------------------------------------------

export const updateInvoiceSchema = withContract(z.object({
  payment_status: z.enum(PAYMENT_STATUSES).optional(),
  metadata: z.array(metadataItem.extend({ id: z.string().nullish() })).optional(),
}), {
  honoured: {
    ...honour(SHOWN, 'payment_status', 'metadata.*.key', 'metadata.*.value'),
    'metadata.*.id': 'The item keeps its id (shown as metadata[].lago_id) and creation date: services/invoicing/invoice-actions.ts (mergeMetadata).',
  },
  refused: {},
});

/** `POST /invoices/:id/void`: Lago's optional body forcing the void of a paid invoice with credit notes. */
export const voidInvoiceSchema = withContract(z.object({
  generate_credit_note: z.boolean().nullish(),
  refund_amount: amountCents.nullish(),
  credit_amount: amountCents.nullish(),
}), {
  honoured: {},
  refused: {
    generate_credit_note: refuseTrue('Voiding with credit notes (forcing the void of a paid invoice) is not supported: void finalized, unpaid invoices, or issue a credit note.'),
    refund_amount: refuseNonZero('Voiding with credit notes is not supported: issue a credit note (POST /credit_notes).'),
    credit_amount: refuseNonZero('Voiding with credit notes is not supported: issue a credit note (POST /credit_notes).'),
  },
});

export const oneOffInvoiceSchema = withContract(z.object({
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
}), {
  honoured: {
    ...honour(SHOWN, 'currency', 'fees.*.unit_amount_cents', 'fees.*.units'),
    'fees.*.description': shownAs('fees.*.item.description'),
    external_customer_id: shownAs('customer.external_id'),
    'fees.*.add_on_code': shownAs('fees.*.item.code'),
    'fees.*.invoice_display_name': shownAs('fees.*.item.invoice_display_name'),
    'fees.*.from_datetime': shownAs('fees.*.from_date'),
    'fees.*.to_datetime': shownAs('fees.*.to_date'),
    'fees.*.tax_codes': shownAs('fees.*.applied_taxes.*.tax_code'),
  },
  refused: {
    billing_entity_code: refuseUnlessEmpty(NO_BILLING_ENTITIES),
    'fees.*.skip_psp': refuseTrue('Billow has no payment provider yet (a later issue) and keeps no per-fee payment setting for when it does.'),
    ...CUSTOM_SECTION,
    ...PAYMENT_METHOD,
  },
});

/**
 * `POST /invoices/preview` (Lago's body, no envelope): the next invoice of a customer's existing
 * subscriptions, or the first invoice of a new subscription to `plan_code`
 * (services/invoicing/invoice-previews.ts). A customer described inline (not stored) and coupons
 * not applied are refused for now.
 */
const PREVIEW_EXISTING = 'Billow previews the invoices of an existing customer (its existing subscriptions, or a new one to plan_code): a customer described inline is not supported yet; its stored details are used.';
export const invoicePreviewSchema = withContract(z.object({
  customer: z.object({ external_id: z.string().trim().min(1) }),
  subscriptions: z.object({ external_ids: z.array(z.string().trim().min(1)).min(1).max(100) }).nullish().transform((value) => value ?? undefined),
  plan_code: z.string().trim().min(1).max(255).nullish(),
  subscription_at: isoDateTime.nullish(),
  billing_time: z.enum(['calendar', 'anniversary']).nullish(),
}), {
  honoured: {
    'customer.external_id': shownAs('invoice.customer.external_id'),
    'subscriptions.external_ids': shownAs('invoice.subscriptions.*.external_id'),
    plan_code: 'The first invoice of a new subscription to this plan (its starting invoice when paid in advance, else its first billing date\'s), computed by the issuing code in a rolled-back transaction; 404 for an unknown plan, 422 currencies_does_not_match for another currency than the customer\'s.',
    subscription_at: 'The new subscription\'s start (default now): its first period, prorated for calendar billing, and the invoice\'s issuing date.',
    billing_time: 'The new subscription\'s billing time (default calendar): its periods and proration, as a subscription created with it.',
  },
  refused: {
    ...Object.fromEntries(['address_line1', 'address_line2', 'city', 'country', 'integration_customers', 'name', 'currency', 'shipping_address', 'state', 'tax_identification_number', 'timezone']
      .map((field) => [`customer.${field}`, refuseUnlessEmpty(PREVIEW_EXISTING)])),
    coupons: refuseUnlessEmpty('The preview applies the coupons the customer holds, as the invoice will; coupons given only for the preview are not supported yet.'),
    'subscriptions.plan_code': refuseUnlessEmpty('The preview of a plan change (or of a termination) is not supported yet: the next invoice of the subscriptions as they are.'),
    'subscriptions.terminated_at': refuseUnlessEmpty('The preview of a plan change (or of a termination) is not supported yet: the next invoice of the subscriptions as they are.'),
    billing_entity_code: refuseUnlessEmpty('Billow has a single issuer, the organization: it has no billing entities.'),
  },
});

// Wallets -------------------------------------------------------------------------------------

export const createWalletSchema = withContract(z.object({
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
  purchase_order_number: purchaseOrderNumber,
  metadata: keyValueMetadata,
  applies_to: appliesTo,
  paid_top_up_min_amount_cents: topUpLimit,
  paid_top_up_max_amount_cents: topUpLimit,
  ignore_paid_top_up_limits_on_creation: z.boolean().nullish(),
  recurring_transaction_rules: createRecurringRules,
}), {
  honoured: {
    ...honour(SHOWN, 'name', 'code', 'priority', 'rate_amount', 'currency', 'external_customer_id', 'expiration_at', 'purchase_order_number', 'metadata',
      'paid_top_up_min_amount_cents', 'paid_top_up_max_amount_cents', 'invoice_requires_successful_payment'),
    ...APPLIES_TO_HONOURED,
    ignore_paid_top_up_limits_on_creation: 'The wallet\'s first paid credits are not held to its top-up limits: services/credits/wallet-transactions.ts (movementCents).',
    ...honour(SHOWN, ...RULE_FIELDS_SHOWN, 'recurring_transaction_rules.*.ignore_paid_top_up_limits'),
    paid_credits: 'A pending purchase billed by a credit invoice, settled when it is paid: services/credits/wallet-transactions.ts (applyMovements).',
    granted_credits: 'Settled at once into credits_balance: services/credits/wallet-transactions.ts (applyMovements).',
    transaction_name: 'The name of the transactions the paid and granted credits make (wallet_transactions[].name).',
    'transaction_metadata.*.key': 'The metadata of the transactions the paid and granted credits make (wallet_transactions[].metadata).',
    'transaction_metadata.*.value': 'The metadata of the transactions the paid and granted credits make (wallet_transactions[].metadata).',
  },
  refused: {
    billing_entity_code: refuseUnlessEmpty(NO_BILLING_ENTITIES),
    ...RULES_REFUSED,
    ...CUSTOM_SECTION,
    ...PAYMENT_METHOD,
  },
}) satisfies z.ZodType<CreateWalletInput>;

export const updateWalletSchema = withContract(z.object({
  name: optionalText,
  code: code.nullish(),
  priority: z.number().int().min(1).max(50).nullish(),
  expiration_at: instant.nullish(),
  invoice_requires_successful_payment: z.boolean().nullish(),
  purchase_order_number: purchaseOrderNumber,
  metadata: keyValueMetadata,
  applies_to: appliesTo,
  recurring_transaction_rules: updateRecurringRules,
}), {
  honoured: {
    ...honour(SHOWN, 'name', 'code', 'priority', 'expiration_at', 'purchase_order_number', 'metadata', 'invoice_requires_successful_payment', ...RULE_FIELDS_SHOWN,
      'recurring_transaction_rules.*.lago_id'),
    ...APPLIES_TO_HONOURED,
  },
  refused: {
    billing_entity_code: refuseUnlessEmpty(NO_BILLING_ENTITIES),
    ...RULES_REFUSED,
    ...CUSTOM_SECTION,
    ...PAYMENT_METHOD,
  },
}) satisfies z.ZodType<UpdateWalletInput>;

export const walletTransactionSchema = withContract(z.object({
  wallet_id: z.string().trim().min(1),
  paid_credits: credits.nullish(),
  granted_credits: credits.nullish(),
  voided_credits: credits.nullish(),
  name: optionalText,
  metadata: z.array(metadataItem).max(20).nullish(),
  invoice_requires_successful_payment: z.boolean().nullish(),
  purchase_order_number: purchaseOrderNumber,
  ignore_paid_top_up_limits: z.boolean().nullish(),
}), {
  honoured: {
    ...honour(SHOWN, 'name', 'metadata.*.key', 'metadata.*.value', 'purchase_order_number', 'invoice_requires_successful_payment'),
    wallet_id: shownAs('lago_wallet_id'),
    ...honour('One transaction each (credit_amount): services/credits/wallet-transactions.ts (applyMovements); paid credits are a pending purchase billed by a credit invoice.',
      'paid_credits', 'granted_credits', 'voided_credits'),
    ignore_paid_top_up_limits: 'The paid credits are not held to the wallet\'s paid_top_up_min/max_amount_cents: services/credits/wallet-transactions.ts (movementCents).',
  },
  refused: {
    ...CUSTOM_SECTION,
    ...PAYMENT_METHOD,
  },
}) satisfies z.ZodType<WalletTransactionInput>;

// Credit notes --------------------------------------------------------------------------------

export const createCreditNoteSchema = withContract(z.object({
  invoice_id: z.string().trim().min(1),
  reason: z.enum(CREDIT_NOTE_REASONS).default('other'),
  description: optionalText,
  credit_amount_cents: amountCents.nullish(),
  refund_amount_cents: amountCents.nullish(),
  items: nonEmpty(z.object({ fee_id: z.string().trim().min(1), amount_cents: amountCents })),
  metadata: keyValueMetadata,
}), {
  honoured: {
    ...honour(SHOWN, 'reason', 'description', 'credit_amount_cents', 'refund_amount_cents', 'items.*.amount_cents', 'metadata'),
    invoice_id: shownAs('lago_invoice_id'),
    'items.*.fee_id': shownAs('items.*.fee.lago_id'),
  },
  refused: {
    offset_amount_cents: refuseNonZero('Offsetting a credit note against the invoice\'s amount due is not supported yet: credit or refund it.'),
  },
}) satisfies z.ZodType<IssueCreditNoteInput>;

export const updateCreditNoteSchema = withContract(z.object({
  refund_status: z.enum(REFUND_STATUSES),
  metadata: keyValueMetadata,
}), {
  honoured: honour(SHOWN, 'refund_status', 'metadata'),
  refused: {},
}) satisfies z.ZodType<UpdateCreditNoteInput>;
