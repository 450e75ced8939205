/**
 * One-off invoices of add-ons (`POST /invoices`, reference/lago-api.md §1.7). Issued finalized at
 * once, like Lago's. Each fee is `round(units × unit_amount_cents)` (unit amount defaults to the
 * add-on's), taxed by the fee's `tax_codes` if given (an empty list means untaxed), else by the
 * add-on's taxes, else by the customer's. No coupons, credit notes or wallets: those apply to
 * subscription invoices. The business key is `one_off:<Idempotency-Key or X-Request-Id>`, so a
 * retried request returns the first invoice.
 */
import type { Db } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';
import { findCustomerByExternalId } from '../../db/customers';
import { findAddOnsByCodes, type AddOnRow } from '../../db/add-ons';
import { findTaxesByCodes, taxesOfOwners, type TaxRow } from '../../db/taxes';
import { Dec, type Cents } from '../../billing/money';
import { localDateOf } from '../../billing/calendar';
import { applicableTimezone } from '../../billing/subscription-terms';
import { addOnFeeLine, type TaxRate } from '../../billing/fee-lines';
import { invalidField, notFound } from '../../runtime/errors';
import { issueInvoice, type InvoiceLine, type WrittenInvoice } from './invoice-writer';

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

function taxRate(tax: TaxRow): TaxRate {
  return { id: tax.id, code: tax.code, name: tax.name, description: tax.description, rate: new Dec(tax.rate) };
}

export async function createOneOffInvoice(
  db: Db, organization: OrganizationRow, input: OneOffInvoiceInput, options: { requestKey: string; nowMs: number },
): Promise<WrittenInvoice> {
  const customer = await findCustomerByExternalId(db, organization.id, input.external_customer_id);
  if (!customer) throw notFound('customer');

  const codes = [...new Set(input.fees.map((fee) => fee.add_on_code))];
  const addOns = await findAddOnsByCodes(db, organization.id, codes);
  const addOnByCode = new Map(addOns.map((addOn) => [addOn.code, addOn]));
  if (addOnByCode.size !== codes.length) throw notFound('add_on');

  const currency = input.currency ?? customer.currency ?? addOns[0]!.amount_currency;
  // An add-on's own amount is in its own currency: it cannot be billed in another one.
  if (input.fees.some((fee) => (fee.unit_amount_cents ?? null) === null && addOnByCode.get(fee.add_on_code)!.amount_currency !== currency)) {
    throw invalidField('currency', 'currencies_does_not_match');
  }

  const explicitCodes = [...new Set(input.fees.flatMap((fee) => fee.tax_codes ?? []))];
  const explicitTaxes = await findTaxesByCodes(db, organization.id, explicitCodes);
  if (explicitTaxes.length !== explicitCodes.length) throw notFound('tax');
  const taxByCode = new Map(explicitTaxes.map((tax) => [tax.code, taxRate(tax)]));
  const addOnTaxes = await taxesOfOwners(db, organization.id, 'add_on_taxes', addOns.map((a) => a.id));
  const customerTaxes = ((await taxesOfOwners(db, organization.id, 'customer_taxes', [customer.id])).get(customer.id) ?? []).map(taxRate);

  const taxesOf = (fee: OneOffFeeInput, addOn: AddOnRow): TaxRate[] => {
    if (fee.tax_codes) return fee.tax_codes.map((code) => taxByCode.get(code)!);
    const own = (addOnTaxes.get(addOn.id) ?? []).map(taxRate);
    return own.length > 0 ? own : customerTaxes;
  };
  const lines: InvoiceLine[] = input.fees.map((fee, index) => {
    const addOn = addOnByCode.get(fee.add_on_code)!;
    const line = addOnFeeLine({
      index,
      code: addOn.code,
      name: addOn.name,
      invoiceDisplayName: fee.invoice_display_name ?? addOn.invoice_display_name,
      units: fee.units ?? new Dec(1),
      unitAmountCents: fee.unit_amount_cents ?? addOn.amount_cents,
      fromMs: fee.from_datetime ? fee.from_datetime.getTime() : null,
      toMs: fee.to_datetime ? fee.to_datetime.getTime() : null,
    }, currency, taxesOf(fee, addOn));
    return { ...line, subscriptionId: null, description: fee.description ?? addOn.description, addOnId: addOn.id };
  });

  return issueInvoice(db, {
    organization,
    customer,
    idempotencyKey: `one_off:${options.requestKey}`,
    type: 'one_off',
    reason: null,
    subscriptionId: null,
    currency,
    issuingDate: localDateOf(options.nowMs, applicableTimezone(customer, organization)),
    lines,
    billingPeriods: [],
  });
}
