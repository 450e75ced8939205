/** Helpers for the money-out API tests: seed taxes, add-ons and invoices; snapshot the money tables. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/knex';
import type { InvoiceRow, FeeDraft } from '../../src/db/invoices';
import { insertNumberedInvoice } from './invoice-rows';
import { announceIssued } from '../../src/services/invoicing/invoice-events';
import { upsertCustomer, type CustomerRow } from '../../src/db/customers';
import type { OrganizationRow } from '../../src/db/organizations';
import { computeInvoiceTotals } from '../../src/billing/invoice-totals';
import { Dec } from '../../src/billing/money';

export const MONEY_TABLES = [
  'invoices', 'fees', 'wallets', 'wallet_transactions', 'credit_notes', 'credit_note_items', 'invoice_credits', 'sequence_counters',
] as const;

/** Every row of the tables, as JSON: compare before and after a rejected request. */
export async function snapshotTables(db: Db, tables: readonly string[] = MONEY_TABLES): Promise<string> {
  const parts: Record<string, unknown[]> = {};
  for (const table of tables) parts[table] = await db(table).select('*').orderByRaw('1, 2');
  return JSON.stringify(parts, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

export async function seedTax(db: Db, organizationId: string, code: string, rate: string): Promise<{ id: string; code: string; name: string; rate: string }> {
  const [row] = await db('taxes').insert({ organization_id: organizationId, code, name: `Tax ${code}`, rate }).returning('*');
  return row;
}

export async function seedAddOn(
  db: Db, organizationId: string, code: string, amountCents: bigint, currency = 'EUR', taxIds: string[] = [],
): Promise<{ id: string; code: string }> {
  const [row] = await db('add_ons').insert({
    organization_id: organizationId, code, name: `Add-on ${code}`, invoice_display_name: null, description: `About ${code}`,
    amount_cents: amountCents, amount_currency: currency,
  }).returning('*');
  if (taxIds.length > 0) await db('add_on_taxes').insert(taxIds.map((taxId) => ({ owner_id: row.id, tax_id: taxId })));
  return row;
}

export async function seedCustomer(db: Db, organizationId: string, externalId: string, fields: Partial<CustomerRow> = {}): Promise<CustomerRow> {
  const { customer } = await upsertCustomer(db, organizationId, externalId, { currency: 'EUR', timezone: 'UTC', ...fields });
  return customer;
}

export interface SeedFee {
  amountCents: bigint;
  /** Percent, e.g. "12.5"; omitted: untaxed. */
  taxRate?: string;
  taxCode?: string;
  kind?: 'subscription' | 'charge' | 'add_on';
}

/**
 * Writes an invoice row and its fees directly (any status, no credits drawn) and its issued webhook, with
 * totals from computeInvoiceTotals: fees, one tax per fee, no coupons and no credits unless given.
 */
export async function seedInvoice(
  db: Db, organization: OrganizationRow, customer: CustomerRow,
  options: { fees: SeedFee[]; status?: InvoiceRow['status']; paymentStatus?: InvoiceRow['payment_status']; invoiceType?: string; currency?: string; prepaidCreditCents?: bigint; creditNoteCents?: bigint },
): Promise<{ invoice: InvoiceRow; feeIds: string[] }> {
  const currency = options.currency ?? 'EUR';
  const lines = options.fees.map((fee, i) => ({ ...fee, key: `seed:${i}`, code: fee.taxCode ?? (fee.taxRate ? `vat_${fee.taxRate}` : undefined) }));
  const totals = computeInvoiceTotals({
    currency,
    fees: lines.map((line) => ({ id: line.key, amountCents: line.amountCents, kind: line.kind ?? 'subscription', taxRates: line.taxRate ? [{ code: line.code!, rate: new Dec(line.taxRate) }] : [] })),
    coupons: [],
    prepaidCreditCents: options.prepaidCreditCents ?? 0n,
    creditNoteCents: options.creditNoteCents ?? 0n,
  });
  const fees: FeeDraft[] = lines.map((line) => {
    const perFee = totals.fees.find((f) => f.id === line.key)!;
    return {
      subscription_id: null, charge_id: null, fee_type: line.kind ?? 'subscription', fee_key: line.key, item_code: 'seed', item_name: 'Seeded fee',
      invoice_display_name: null, description: null, add_on_id: null, wallet_transaction_id: null, units: '1', total_aggregated_units: '1', events_count: 0, amount_cents: line.amountCents,
      precise_amount_cents: line.amountCents.toString(), precise_unit_amount: '0', unit_amount_cents: line.amountCents,
      precise_coupons_amount_cents: '0', taxes_amount_cents: perFee.taxesAmountCents, taxes_precise_amount_cents: perFee.taxesPreciseAmountCents.toFixed(),
      taxes_rate: perFee.taxesRate.toFixed(),
      applied_taxes: line.taxRate ? [{ tax_code: line.code, tax_name: `Tax ${line.code}`, tax_rate: Number(line.taxRate) }] : [],
      from_datetime: null, to_datetime: null, amount_details: {}, pay_in_advance: false, invoiceable: true, event_transaction_id: null,
    };
  });
  const invoice = await db.transaction(async (trx) => recordIssued(trx, { customer, organization }, await insertNumberedInvoice(trx, {
    organization_id: organization.id, customer_id: customer.id, subscription_id: null, idempotency_key: `seed:${randomUUID()}`,
    invoice_type: options.invoiceType ?? 'subscription', invoicing_reason: null, status: options.status ?? 'finalized',
    payment_status: options.paymentStatus ?? totals.paymentStatus, issuing_date: '2027-03-01', payment_due_date: '2027-03-01', net_payment_term: 0,
    currency, fees_amount_cents: totals.feesAmountCents, coupons_amount_cents: 0n, credit_notes_amount_cents: totals.creditNotesAmountCents,
    sub_total_excluding_taxes_amount_cents: totals.subTotalExcludingTaxesAmountCents, taxes_amount_cents: totals.taxesAmountCents,
    sub_total_including_taxes_amount_cents: totals.subTotalIncludingTaxesAmountCents, prepaid_credit_amount_cents: totals.prepaidCreditAmountCents,
    total_amount_cents: totals.totalAmountCents, applied_taxes: [], billing_periods: [],
  }, fees, { prefix: organization.document_number_prefix, mode: organization.document_numbering, customerSequentialId: customer.sequential_id })));
  const feeRows = await db('fees').where({ invoice_id: invoice.id }).orderBy('fee_key').select('id');
  return { invoice, feeIds: feeRows.map((row: { id: string }) => row.id) };
}

async function recordIssued(trx: Parameters<typeof announceIssued>[0], payer: Parameters<typeof announceIssued>[2], invoice: InvoiceRow): Promise<InvoiceRow> {
  await announceIssued(trx, invoice, payer);
  return invoice;
}
