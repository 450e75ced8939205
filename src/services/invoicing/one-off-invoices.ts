/**
 * One-off invoices of add-ons (`POST /invoices`, reference/lago-api.md §1.7). Issued finalized at
 * once, like Lago's. Each fee is `round(units × unit_amount_cents)` (unit amount defaults to the
 * add-on's), taxed by the fee's `tax_codes` if given (an empty list means untaxed), else by the
 * add-on's taxes, else by the customer's; totals come from computeInvoiceTotals (no coupons, no
 * credit notes, no wallet: those apply to subscription invoices). The business key is
 * `one_off:<Idempotency-Key or X-Request-Id>`, so a retried request returns the first invoice.
 */
import type { Db } from '../../db/knex';
import { Dec, roundCents, subunitToUnit, type Cents } from '../../billing/money';
import { computeInvoiceTotals, type FeeInput } from '../../billing/invoice-totals';
import { findCustomerByExternalId } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import type { InvoiceRow } from '../../db/invoices';
import { invalidField, notFound } from '../../runtime/errors';
import { writeStandaloneInvoice, type StandaloneFeeDraft, type TaxLabel } from './standalone-invoices';

export interface OneOffFeeInput {
  add_on_code: string;
  unit_amount_cents?: Cents | null;
  units?: Dec | null;
  description?: string | null;
  invoice_display_name?: string | null;
  from_datetime?: Date | null;
  to_datetime?: Date | null;
  tax_codes?: string[] | null;
}

export interface OneOffInvoiceInput {
  external_customer_id: string;
  currency?: string | null;
  fees: OneOffFeeInput[];
}

interface AddOnRow {
  id: string;
  code: string;
  name: string;
  invoice_display_name: string | null;
  description: string | null;
  amount_cents: bigint;
  amount_currency: string;
}

interface TaxRow extends TaxLabel {
  rate: string;
}

const TAX_COLUMNS = ['taxes.id', 'taxes.code', 'taxes.name', 'taxes.description', 'taxes.rate'];

async function taxesLinkedTo(db: Db, organizationId: string, link: 'add_on_taxes' | 'customer_taxes', ownerIds: string[]): Promise<Map<string, TaxRow[]>> {
  const byOwner = new Map<string, TaxRow[]>(ownerIds.map((id) => [id, []]));
  if (ownerIds.length === 0) return byOwner;
  const rows = (await db('taxes')
    .join(`${link} as link`, 'link.tax_id', 'taxes.id')
    .where('taxes.organization_id', organizationId)
    .whereIn('link.owner_id', ownerIds)
    .orderBy('taxes.code')
    .select(...TAX_COLUMNS, 'link.owner_id as owner_id')) as (TaxRow & { owner_id: string })[];
  for (const { owner_id: ownerId, ...tax } of rows) byOwner.get(ownerId)?.push(tax);
  return byOwner;
}

export async function createOneOffInvoice(
  db: Db, organization: OrganizationRow, input: OneOffInvoiceInput, options: { requestKey: string; nowMs: number },
): Promise<{ invoice: InvoiceRow; created: boolean }> {
  const customer = await findCustomerByExternalId(db, organization.id, input.external_customer_id);
  if (!customer) throw notFound('customer');

  const codes = [...new Set(input.fees.map((fee) => fee.add_on_code))];
  const addOns = (await db('add_ons').where({ organization_id: organization.id }).whereNull('deleted_at').whereIn('code', codes)) as AddOnRow[];
  const addOnByCode = new Map(addOns.map((addOn) => [addOn.code, addOn]));
  if (addOnByCode.size !== codes.length) throw notFound('add_on');

  const currency = input.currency ?? customer.currency ?? addOns[0]!.amount_currency;
  // An add-on's own amount is in its own currency: it cannot be billed in another one.
  if (input.fees.some((fee) => (fee.unit_amount_cents ?? null) === null && addOnByCode.get(fee.add_on_code)!.amount_currency !== currency)) {
    throw invalidField('currency', 'currencies_does_not_match');
  }

  const explicitCodes = [...new Set(input.fees.flatMap((fee) => fee.tax_codes ?? []))];
  const explicitTaxes = explicitCodes.length === 0 ? [] : ((await db('taxes').where({ organization_id: organization.id }).whereIn('code', explicitCodes).select(...TAX_COLUMNS)) as TaxRow[]);
  if (explicitTaxes.length !== explicitCodes.length) throw notFound('tax');
  const taxByCode = new Map(explicitTaxes.map((tax) => [tax.code, tax]));
  const addOnTaxes = await taxesLinkedTo(db, organization.id, 'add_on_taxes', addOns.map((a) => a.id));
  const customerTaxes = (await taxesLinkedTo(db, organization.id, 'customer_taxes', [customer.id])).get(customer.id) ?? [];

  const subunit = subunitToUnit(currency);
  const lines = input.fees.map((fee, index) => {
    const addOn = addOnByCode.get(fee.add_on_code)!;
    const units = fee.units ?? new Dec(1);
    const unitAmountCents = fee.unit_amount_cents ?? addOn.amount_cents;
    const preciseAmountCents = units.times(unitAmountCents.toString());
    const fromAddOn = addOnTaxes.get(addOn.id) ?? [];
    const taxes = fee.tax_codes ? fee.tax_codes.map((code) => taxByCode.get(code)!) : fromAddOn.length > 0 ? fromAddOn : customerTaxes;
    return { key: `add_on:${index}`, fee, addOn, units, unitAmountCents, preciseAmountCents, amountCents: roundCents(preciseAmountCents), taxes };
  });
  const totals = computeInvoiceTotals({
    currency,
    fees: lines.map((line): FeeInput => ({
      id: line.key, amountCents: line.amountCents, kind: 'add_on',
      taxRates: line.taxes.map((tax) => ({ code: tax.code, rate: new Dec(tax.rate) })),
    })),
    coupons: [],
    prepaidCreditCents: 0n,
  });
  const labels = new Map<string, TaxLabel>(lines.flatMap((line) => line.taxes).map((tax) => [tax.code, tax]));

  const fees: StandaloneFeeDraft[] = lines.map((line) => {
    const perFee = totals.fees.find((f) => f.id === line.key)!;
    return {
      subscription_id: null,
      charge_id: null,
      fee_type: 'add_on',
      fee_key: line.key,
      item_code: line.addOn.code,
      item_name: line.addOn.name,
      invoice_display_name: line.fee.invoice_display_name ?? line.addOn.invoice_display_name,
      description: line.fee.description ?? line.addOn.description,
      add_on_id: line.addOn.id,
      wallet_transaction_id: null,
      units: line.units.toFixed(),
      total_aggregated_units: line.units.toFixed(),
      events_count: 0,
      amount_cents: line.amountCents,
      precise_amount_cents: line.preciseAmountCents.toFixed(),
      precise_unit_amount: new Dec(line.unitAmountCents.toString()).dividedBy(subunit).toFixed(),
      unit_amount_cents: line.unitAmountCents,
      precise_coupons_amount_cents: perFee.couponsPreciseAmountCents.toFixed(),
      taxes_amount_cents: perFee.taxesAmountCents,
      taxes_precise_amount_cents: perFee.taxesPreciseAmountCents.toFixed(),
      taxes_rate: perFee.taxesRate.toFixed(),
      applied_taxes: line.taxes.map((tax) => ({ lago_tax_id: tax.id, tax_code: tax.code, tax_name: tax.name, tax_rate: Number(tax.rate) })),
      from_datetime: line.fee.from_datetime ?? null,
      to_datetime: line.fee.to_datetime ?? null,
      amount_details: {},
      pay_in_advance: false,
      invoiceable: true,
      event_transaction_id: null,
    };
  });

  return writeStandaloneInvoice(db, {
    organization, customer,
    idempotencyKey: `one_off:${options.requestKey}`,
    invoiceType: 'one_off',
    currency,
    nowMs: options.nowMs,
    totals,
    fees,
    taxLabels: labels,
  });
}
