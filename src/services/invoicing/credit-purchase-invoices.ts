/**
 * The invoice of a purchase of prepaid credits (a wallet top-up, reference/lago-api.md §1.8): one
 * untaxed `credit` fee of credits × rate, issued through the invoice writer in the caller's
 * transaction (the wallet transaction it pays for is written there too), once per transaction.
 */
import type { Conn } from '../../db/knex';
import type { CustomerRow } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import type { Cents, Dec } from '../../billing/money';
import { localDateOf } from '../../billing/calendar';
import { applicableTimezone } from '../../billing/subscription-terms';
import { creditFeeLine } from '../../billing/fee-lines';
import { issueInvoice, type WrittenInvoice } from './invoice-writer';

export interface CreditPurchase {
  organization: OrganizationRow;
  customer: CustomerRow;
  currency: string;
  walletName: string | null;
  walletTransactionId: string;
  credits: Dec;
  rateAmount: Dec;
  amountCents: Cents;
  nowMs: number;
}

export async function issueCreditPurchaseInvoice(conn: Conn, purchase: CreditPurchase): Promise<WrittenInvoice> {
  const { organization, customer } = purchase;
  const line = creditFeeLine({
    name: purchase.walletName ?? 'Credit',
    invoiceDisplayName: purchase.walletName,
    credits: purchase.credits,
    rateAmount: purchase.rateAmount,
    amountCents: purchase.amountCents,
  }, purchase.currency);
  return issueInvoice(conn, {
    organization,
    customer,
    idempotencyKey: `wallet_transaction:${purchase.walletTransactionId}`,
    type: 'credit',
    reason: null,
    subscriptionId: null,
    currency: purchase.currency,
    issuingDate: localDateOf(purchase.nowMs, applicableTimezone(customer, organization)),
    lines: [{ ...line, subscriptionId: null, walletTransactionId: purchase.walletTransactionId }],
    billingPeriods: [],
  });
}
