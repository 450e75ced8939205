/** Wallets and wallet transactions (reference/lago-api.md §1.8): credits as decimal strings, money as cents. */
import type { WalletRow, WalletTransactionRow } from '../db/wallets';
import { formatMajor } from '../billing/money';
import { cents, decimalString, isoSeconds } from './common';

export function serializeWallet(wallet: WalletRow, externalCustomerId: string) {
  const credits = decimalString(wallet.credits_balance);
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
    balance_cents: cents(wallet.balance_cents),
    // Billow has no draft usage invoices to reserve credits for: the ongoing balance is the balance.
    credits_ongoing_balance: credits,
    ongoing_balance_cents: cents(wallet.balance_cents),
    credits_ongoing_usage_balance: '0.0',
    ongoing_usage_balance_cents: 0,
    consumed_credits: decimalString(wallet.consumed_credits),
    consumed_amount_cents: cents(wallet.consumed_amount_cents),
    created_at: isoSeconds(wallet.created_at),
    expiration_at: isoSeconds(wallet.expiration_at),
    last_balance_sync_at: isoSeconds(wallet.last_balance_sync_at),
    last_consumed_credit_at: isoSeconds(wallet.last_consumed_credit_at),
    terminated_at: isoSeconds(wallet.terminated_at),
    invoice_requires_successful_payment: false,
    priority: wallet.priority,
    paid_top_up_min_amount_cents: null,
    paid_top_up_max_amount_cents: null,
    recurring_transaction_rules: [],
    applies_to: { fee_types: [], billable_metric_codes: [] },
    purchase_order_number: wallet.purchase_order_number ?? null,
    metadata: wallet.metadata ?? null,
  };
}

export function serializeWalletTransaction(transaction: WalletTransactionRow, currency: string) {
  return {
    lago_id: transaction.id,
    lago_wallet_id: transaction.wallet_id,
    lago_invoice_id: transaction.invoice_id,
    lago_credit_note_id: null,
    status: transaction.status,
    source: transaction.source,
    transaction_status: transaction.transaction_status,
    transaction_type: transaction.transaction_type,
    amount: decimalString(formatMajor(transaction.amount_cents, currency)),
    credit_amount: decimalString(transaction.credit_amount),
    name: transaction.name,
    invoice_requires_successful_payment: false,
    metadata: transaction.metadata ?? [],
    purchase_order_number: transaction.purchase_order_number ?? null,
    settled_at: isoSeconds(transaction.settled_at),
    failed_at: isoSeconds(transaction.failed_at),
    created_at: isoSeconds(transaction.created_at),
  };
}
