/**
 * The credit invoice of a wallet top-up: paid credits are billed as one untaxed fee of type
 * credit (paid credits × rate), numbered like any invoice, through invoicing's writer.
 */
import type { Tx } from '../../db/knex';
import { Dec } from '../../billing/money';
import { creditPriceCents } from '../../billing/wallet-credits';
import { computeInvoiceTotals } from '../../billing/invoice-totals';
import type { CustomerRow } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import type { InvoiceRow } from '../../db/invoices';
import type { WalletRow, WalletTransactionRow } from '../../db/wallets';
import { writeStandaloneInvoice } from '../invoicing';

/** Issues the invoice of a pending purchase, once per transaction (its idempotency key). */
export async function issueTopUpInvoice(
  trx: Tx, organization: OrganizationRow, customer: CustomerRow, wallet: WalletRow, purchase: WalletTransactionRow, nowMs: number,
): Promise<InvoiceRow> {
  const amountCents = purchase.amount_cents;
  const totals = computeInvoiceTotals({
    currency: wallet.currency,
    fees: [{ id: 'credit', amountCents, kind: 'credit', taxRates: [] }],
    coupons: [],
    prepaidCreditCents: 0n,
  });
  const unitPrice = creditPriceCents(new Dec(wallet.rate_amount), wallet.currency);
  const { invoice } = await writeStandaloneInvoice(trx, {
    organization, customer,
    idempotencyKey: `wallet_transaction:${purchase.id}`,
    invoiceType: 'credit',
    currency: wallet.currency,
    nowMs,
    totals,
    fees: [{
      subscription_id: null,
      charge_id: null,
      fee_type: 'credit',
      fee_key: 'credit',
      item_code: 'credit',
      item_name: wallet.name ?? 'Credit',
      invoice_display_name: wallet.name,
      description: null,
      add_on_id: null,
      wallet_transaction_id: purchase.id,
      units: purchase.credit_amount,
      total_aggregated_units: purchase.credit_amount,
      events_count: 0,
      amount_cents: amountCents,
      precise_amount_cents: new Dec(purchase.credit_amount).times(unitPrice).toFixed(),
      precise_unit_amount: wallet.rate_amount,
      unit_amount_cents: BigInt(unitPrice.toDecimalPlaces(0, Dec.ROUND_HALF_UP).toFixed(0)),
      precise_coupons_amount_cents: '0',
      taxes_amount_cents: 0n,
      taxes_precise_amount_cents: '0',
      taxes_rate: '0',
      applied_taxes: [],
      from_datetime: null,
      to_datetime: null,
      amount_details: {},
      pay_in_advance: true,
      invoiceable: true,
      event_transaction_id: null,
    }],
  });
  return invoice;
}
