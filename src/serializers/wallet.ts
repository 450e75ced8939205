/** Wallets and wallet transactions (reference/lago-api.md §1.8): credits as decimal strings, money as cents. */
import { z } from 'zod';
import type { WalletRow, WalletTransactionRow } from '../db/wallets';
import type { WalletTransactionConsumptionRow } from '../db/wallet-consumptions';
import type { WalletRuleRow } from '../db/wallet-rules';
import { Dec, formatMajor, type Cents } from '../billing/money';
import { centsToCredits } from '../billing/wallet-credits';
import { cents, decimalString, isoSeconds, responseSchemas, wire } from './common';

export const walletRecurringRuleSchema = z.object({
  lago_id: wire.uuid,
  trigger: z.enum(['interval', 'threshold']),
  method: z.enum(['fixed', 'target']),
  /** Null for a threshold rule (Billow runs threshold rules only). */
  interval: z.enum(['weekly', 'monthly', 'quarterly', 'semiannual', 'yearly']).nullable(),
  status: z.enum(['active', 'terminated']),
  threshold_credits: wire.decimal.nullable(),
  paid_credits: wire.decimal,
  granted_credits: wire.decimal,
  grants_target_top_up: z.boolean().nullable(),
  started_at: wire.dateTime.nullable(),
  target_ongoing_balance: wire.decimal.nullable(),
  created_at: wire.dateTime,
  expiration_at: wire.dateTime.nullable(),
  /** Shown back: the rule's paid credits are granted once their invoice is paid. */
  invoice_requires_successful_payment: z.boolean(),
  transaction_metadata: z.array(wire.keyValue),
  transaction_name: z.string().nullable(),
  ignore_paid_top_up_limits: z.boolean(),
  purchase_order_number: z.string().nullable(),
});

export function serializeWalletRule(rule: WalletRuleRow): z.output<typeof walletRecurringRuleSchema> {
  return {
    lago_id: rule.id,
    trigger: rule.trigger,
    method: rule.method,
    interval: rule.interval as z.output<typeof walletRecurringRuleSchema>['interval'],
    status: rule.status,
    threshold_credits: decimalString(rule.threshold_credits),
    paid_credits: decimalString(rule.paid_credits),
    granted_credits: decimalString(rule.granted_credits),
    grants_target_top_up: rule.grants_target_top_up,
    started_at: isoSeconds(rule.started_at),
    target_ongoing_balance: decimalString(rule.target_ongoing_balance),
    created_at: isoSeconds(rule.created_at),
    expiration_at: isoSeconds(rule.expiration_at),
    invoice_requires_successful_payment: rule.invoice_requires_successful_payment,
    transaction_metadata: rule.transaction_metadata,
    transaction_name: rule.transaction_name,
    ignore_paid_top_up_limits: rule.ignore_paid_top_up_limits,
    purchase_order_number: rule.purchase_order_number,
  };
}

export const walletSchema = z.object({
  lago_id: wire.uuid,
  lago_customer_id: wire.uuid,
  external_customer_id: z.string(),
  status: z.enum(['active', 'terminated']),
  currency: wire.currency,
  name: z.string().nullable(),
  code: z.string().nullable(),
  rate_amount: wire.decimal,
  credits_balance: wire.decimal,
  /** Lago's deprecated balance in major units ("10.0"), still required by its description. */
  balance: wire.decimal,
  balance_cents: wire.cents,
  credits_ongoing_balance: wire.decimal,
  ongoing_balance_cents: wire.cents,
  credits_ongoing_usage_balance: wire.decimal,
  ongoing_usage_balance_cents: wire.cents,
  consumed_credits: wire.decimal,
  consumed_amount_cents: wire.cents,
  created_at: wire.dateTime,
  expiration_at: wire.dateTime.nullable(),
  last_balance_sync_at: wire.dateTime.nullable(),
  last_consumed_credit_at: wire.dateTime.nullable(),
  terminated_at: wire.dateTime.nullable(),
  invoice_requires_successful_payment: z.boolean(),
  priority: z.number().int(),
  paid_top_up_min_amount_cents: wire.cents.nullable(),
  paid_top_up_max_amount_cents: wire.cents.nullable(),
  /** The active rule, if any: Billow runs threshold rules. */
  recurring_transaction_rules: z.array(walletRecurringRuleSchema),
  applies_to: z.object({ fee_types: z.array(z.enum(['charge', 'subscription', 'commitment'])), billable_metric_codes: z.array(z.string()) }),
  purchase_order_number: z.string().nullable(),
  /** Lago's key → value metadata (null until set). */
  metadata: z.record(z.string(), z.string().nullable()).nullable(),
}).register(responseSchemas, { id: 'Wallet' });
export type WalletJson = z.output<typeof walletSchema>;

/** A wallet as shown: its customer's external id, the codes of the metrics it pays, and what of the ongoing usage it pays. */
export interface ShownWallet {
  wallet: WalletRow;
  externalCustomerId: string;
  billableMetricCodes: string[];
  /** ≤ balance_cents: the ongoing balance is never negative. */
  ongoingUsageCents: Cents;
  recurringRules: WalletRuleRow[];
}

export function serializeWallet({ wallet, externalCustomerId, billableMetricCodes, ongoingUsageCents, recurringRules }: ShownWallet): WalletJson {
  const credits = decimalString(wallet.credits_balance);
  const rate = new Dec(wallet.rate_amount);
  const ongoingBalanceCents = wallet.balance_cents - ongoingUsageCents;
  return {
    lago_id: wallet.id,
    lago_customer_id: wallet.customer_id,
    external_customer_id: externalCustomerId,
    status: wallet.status,
    currency: wallet.currency,
    name: wallet.name,
    code: wallet.code,
    rate_amount: decimalString(wallet.rate_amount),
    credits_balance: credits,
    balance: decimalString(formatMajor(wallet.balance_cents, wallet.currency)),
    balance_cents: cents(wallet.balance_cents),
    // Computed when read (services/credits/ongoing-balances.ts); credits from cents at the wallet's rate.
    credits_ongoing_balance: decimalString(centsToCredits(ongoingBalanceCents, rate, wallet.currency).toFixed()),
    ongoing_balance_cents: cents(ongoingBalanceCents),
    credits_ongoing_usage_balance: decimalString(centsToCredits(ongoingUsageCents, rate, wallet.currency).toFixed()),
    ongoing_usage_balance_cents: cents(ongoingUsageCents),
    consumed_credits: decimalString(wallet.consumed_credits),
    consumed_amount_cents: cents(wallet.consumed_amount_cents),
    created_at: isoSeconds(wallet.created_at),
    expiration_at: isoSeconds(wallet.expiration_at),
    last_balance_sync_at: isoSeconds(wallet.last_balance_sync_at),
    last_consumed_credit_at: isoSeconds(wallet.last_consumed_credit_at),
    terminated_at: isoSeconds(wallet.terminated_at),
    invoice_requires_successful_payment: wallet.invoice_requires_successful_payment,
    priority: wallet.priority,
    paid_top_up_min_amount_cents: wallet.paid_top_up_min_amount_cents === null ? null : cents(wallet.paid_top_up_min_amount_cents),
    paid_top_up_max_amount_cents: wallet.paid_top_up_max_amount_cents === null ? null : cents(wallet.paid_top_up_max_amount_cents),
    recurring_transaction_rules: recurringRules.map(serializeWalletRule),
    applies_to: { fee_types: wallet.applies_to_fee_types as WalletJson['applies_to']['fee_types'], billable_metric_codes: billableMetricCodes },
    purchase_order_number: wallet.purchase_order_number ?? null,
    metadata: wallet.metadata ?? null,
  };
}

/** Lago's default priority of a wallet transaction (its `wallet_transactions.priority` column). */
const LAGO_DEFAULT_TRANSACTION_PRIORITY = 50;

export const walletTransactionSchema = z.object({
  lago_id: wire.uuid,
  lago_wallet_id: wire.uuid,
  lago_invoice_id: wire.uuid.nullable(),
  lago_credit_note_id: z.null(),
  /** Billow voids no transaction because its invoice was voided: a failed purchase is `failed`. */
  lago_voided_invoice_id: z.null(),
  status: z.enum(['pending', 'settled', 'failed']),
  source: z.string(),
  transaction_status: z.enum(['purchased', 'granted', 'voided', 'invoiced']),
  transaction_type: z.enum(['inbound', 'outbound']),
  amount: wire.decimal,
  credit_amount: wire.decimal,
  /** What is left of a settled inbound transaction (every Billow wallet is traceable); null while pending or failed, and on outbound ones. */
  remaining_amount_cents: wire.cents.nullable(),
  remaining_credit_amount: wire.decimal.nullable(),
  /** Billow gives every transaction Lago's default priority: granted credits are consumed first, then the oldest. */
  priority: z.number().int(),
  name: z.string().nullable(),
  purchase_order_number: z.string().nullable(),
  invoice_requires_successful_payment: z.boolean(),
  metadata: z.array(wire.keyValue),
  /** Billow has no payment methods: Lago's defaults. */
  payment_method: z.object({ payment_method_id: z.null(), payment_method_type: z.enum(['provider', 'manual']) }),
  settled_at: wire.dateTime.nullable(),
  failed_at: wire.dateTime.nullable(),
  created_at: wire.dateTime,
}).register(responseSchemas, { id: 'WalletTransaction' });
export type WalletTransactionJson = z.output<typeof walletTransactionSchema>;

/** What a transaction's amounts are read with: its wallet's currency and rate. */
export type WalletTerms = Pick<WalletRow, 'currency' | 'rate_amount'>;

function creditsOf(cents: Cents, wallet: WalletTerms): string {
  return decimalString(centsToCredits(cents, new Dec(wallet.rate_amount), wallet.currency).toFixed());
}

export function serializeWalletTransaction(transaction: WalletTransactionRow, wallet: WalletTerms): WalletTransactionJson {
  const { currency } = wallet;
  const remaining = transaction.transaction_type === 'inbound' ? transaction.remaining_amount_cents : null;
  return {
    lago_id: transaction.id,
    lago_wallet_id: transaction.wallet_id,
    lago_invoice_id: transaction.invoice_id,
    lago_credit_note_id: null,
    lago_voided_invoice_id: null,
    status: transaction.status,
    source: transaction.source,
    transaction_status: transaction.transaction_status,
    transaction_type: transaction.transaction_type,
    amount: decimalString(formatMajor(transaction.amount_cents, currency)),
    credit_amount: decimalString(transaction.credit_amount),
    remaining_amount_cents: remaining === null ? null : cents(remaining),
    remaining_credit_amount: remaining === null ? null : creditsOf(remaining, wallet),
    priority: LAGO_DEFAULT_TRANSACTION_PRIORITY,
    name: transaction.name,
    invoice_requires_successful_payment: transaction.invoice_requires_successful_payment,
    metadata: (transaction.metadata ?? []) as WalletTransactionJson['metadata'],
    payment_method: { payment_method_id: null, payment_method_type: 'provider' },
    purchase_order_number: transaction.purchase_order_number ?? null,
    settled_at: isoSeconds(transaction.settled_at),
    failed_at: isoSeconds(transaction.failed_at),
    created_at: isoSeconds(transaction.created_at),
  };
}

const consumptionFields = {
  lago_id: wire.uuid,
  amount_cents: wire.cents,
  credit_amount: wire.decimal,
  created_at: wire.dateTime,
  wallet_transaction: walletTransactionSchema,
};
/** An inbound transaction's consumption: the outbound transaction that consumed it, and how much. */
export const walletTransactionConsumptionSchema = z.object(consumptionFields).register(responseSchemas, { id: 'WalletTransactionConsumption' });
/** An outbound transaction's funding: the inbound transaction it consumed, and how much. */
export const walletTransactionFundingSchema = z.object(consumptionFields).register(responseSchemas, { id: 'WalletTransactionFunding' });
export type WalletTransactionConsumptionJson = z.output<typeof walletTransactionConsumptionSchema>;

/** One consumption row, shown with the transaction on its other side (the outbound one for a consumption, the inbound one for a funding). */
export function serializeWalletTransactionConsumption(
  consumption: WalletTransactionConsumptionRow, other: WalletTransactionRow, wallet: WalletTerms,
): WalletTransactionConsumptionJson {
  return {
    lago_id: consumption.id,
    amount_cents: cents(consumption.consumed_amount_cents),
    credit_amount: creditsOf(consumption.consumed_amount_cents, wallet),
    created_at: isoSeconds(consumption.created_at),
    wallet_transaction: serializeWalletTransaction(other, wallet),
  };
}
