/**
 * Invoices that belong to no subscription: one-off (add-ons) and credit (wallet top-ups). They are
 * issued finalized, numbered like any invoice and written once per business key by insertInvoiceOnce.
 */
import type { Knex } from 'knex';
import type { Db } from '../../db/knex';
import { insertInvoiceOnce, type FeeDraft, type InvoiceRow } from '../../db/invoices';
import type { CustomerRow } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import { addDays, localDateOf } from '../../billing/calendar';
import type { InvoiceTotals } from '../../billing/invoice-totals';

/** A fee with the columns of migration 005 (description, add-on, wallet transaction). */
export type StandaloneFeeDraft = FeeDraft & {
  description: string | null;
  add_on_id: string | null;
  wallet_transaction_id: string | null;
};

export interface TaxLabel {
  id: string;
  code: string;
  name: string;
  description: string | null;
}

export interface StandaloneInvoiceInput {
  organization: OrganizationRow;
  customer: CustomerRow;
  idempotencyKey: string;
  invoiceType: 'one_off' | 'credit';
  currency: string;
  nowMs: number;
  totals: InvoiceTotals;
  fees: StandaloneFeeDraft[];
  /** Names of the taxes the totals mention, by code. */
  taxLabels?: ReadonlyMap<string, TaxLabel>;
}

export function applicableTimezoneOf(customer: CustomerRow, organization: OrganizationRow): string {
  return customer.timezone ?? organization.timezone ?? 'UTC';
}

export function invoiceAppliedTaxes(totals: InvoiceTotals, labels: ReadonlyMap<string, TaxLabel> | undefined, currency: string) {
  return totals.appliedTaxes.map((tax) => {
    const label = tax.taxCode ? labels?.get(tax.taxCode) : undefined;
    return {
      lago_tax_id: label?.id ?? null,
      tax_code: tax.taxCode,
      tax_name: label?.name ?? null,
      tax_description: label?.description ?? null,
      tax_rate: Number(tax.rate),
      amount_cents: Number(tax.amountCents),
      amount_currency: currency,
      fees_amount_cents: Number(tax.baseAmountCents),
    };
  });
}

export async function writeStandaloneInvoice(conn: Db | Knex.Transaction, input: StandaloneInvoiceInput): Promise<{ invoice: InvoiceRow; created: boolean }> {
  const { organization, customer, totals } = input;
  const issuingDate = localDateOf(input.nowMs, applicableTimezoneOf(customer, organization));
  const netPaymentTerm = customer.net_payment_term ?? organization.net_payment_term;
  return insertInvoiceOnce(
    conn,
    {
      organization_id: organization.id,
      customer_id: customer.id,
      subscription_id: null,
      idempotency_key: input.idempotencyKey,
      invoice_type: input.invoiceType,
      invoicing_reason: null,
      status: 'finalized',
      payment_status: totals.paymentStatus,
      issuing_date: issuingDate,
      payment_due_date: addDays(issuingDate, netPaymentTerm),
      net_payment_term: netPaymentTerm,
      currency: input.currency,
      fees_amount_cents: totals.feesAmountCents,
      coupons_amount_cents: totals.couponsAmountCents,
      credit_notes_amount_cents: totals.creditNotesAmountCents,
      sub_total_excluding_taxes_amount_cents: totals.subTotalExcludingTaxesAmountCents,
      taxes_amount_cents: totals.taxesAmountCents,
      sub_total_including_taxes_amount_cents: totals.subTotalIncludingTaxesAmountCents,
      prepaid_credit_amount_cents: totals.prepaidCreditAmountCents,
      total_amount_cents: totals.totalAmountCents,
      applied_taxes: invoiceAppliedTaxes(totals, input.taxLabels, input.currency),
      billing_periods: [],
    },
    input.fees,
    { prefix: organization.document_number_prefix, mode: organization.document_numbering, customerSequentialId: customer.sequential_id },
  );
}
