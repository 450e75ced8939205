/**
 * The walkthrough invoices (shared/scenarios) written straight into the database (rows and their
 * issued webhook, as the invoice writer records it), with the scenarios' hand-worked amounts: hybrid invoices 1 and 3, per-seat
 * invoice 1. For document and webhook tests that need real rows without running the billing flow.
 */
import type { Db } from '../../src/db/knex';
import type { FeeDraft, InvoiceRow } from '../../src/db/invoices';
import { insertNumberedInvoice } from './invoice-rows';
import { announceIssued } from '../../src/services/invoicing/invoice-events';
import { upsertCustomer, type CustomerRow } from '../../src/db/customers';
import type { OrganizationRow } from '../../src/db/organizations';
import { MTU_TIERS } from '../../src/documents/samples';

const VAT = [{ tax_code: 'vat_12_5', tax_name: 'VAT', tax_rate: 12.5 }];

function fee(overrides: Partial<FeeDraft>): FeeDraft {
  return {
    subscription_id: null, charge_id: null, fee_type: 'subscription', fee_key: 'subscription', item_code: 'team', item_name: 'Team',
    invoice_display_name: null, description: null, add_on_id: null, wallet_transaction_id: null, units: '1', total_aggregated_units: '1', events_count: 0, amount_cents: 0n, precise_amount_cents: '0',
    precise_unit_amount: '0', unit_amount_cents: 0n, precise_coupons_amount_cents: '0', taxes_amount_cents: 0n,
    taxes_precise_amount_cents: '0', taxes_rate: '0', applied_taxes: [], from_datetime: null, to_datetime: null, amount_details: {},
    pay_in_advance: false, invoiceable: true, event_transaction_id: null,
    ...overrides,
  };
}

interface Totals {
  fees: bigint;
  taxes: bigint;
  appliedTaxes: unknown[];
}

async function write(db: Db, organization: OrganizationRow, customer: CustomerRow, key: string, spec: {
  issuingDate: string; dueDate: string; netPaymentTerm: number; currency: string; status?: 'finalized' | 'draft';
  periods: unknown[]; fees: FeeDraft[]; totals: Totals;
}): Promise<InvoiceRow> {
  const total = spec.totals.fees + spec.totals.taxes;
  return db.transaction(async (trx) => {
    const invoice = await insertNumberedInvoice(trx, {
    organization_id: organization.id, customer_id: customer.id, subscription_id: null, idempotency_key: key,
    invoice_type: 'subscription', invoicing_reason: 'subscription_periodic', status: spec.status ?? 'finalized', payment_status: 'pending',
    issuing_date: spec.issuingDate, payment_due_date: spec.dueDate, net_payment_term: spec.netPaymentTerm, currency: spec.currency,
    fees_amount_cents: spec.totals.fees, coupons_amount_cents: 0n, credit_notes_amount_cents: 0n,
    sub_total_excluding_taxes_amount_cents: spec.totals.fees, taxes_amount_cents: spec.totals.taxes,
    sub_total_including_taxes_amount_cents: total, prepaid_credit_amount_cents: 0n, total_amount_cents: total,
    applied_taxes: spec.totals.appliedTaxes, billing_periods: spec.periods,
    } as never, spec.fees, { prefix: organization.document_number_prefix, mode: organization.document_numbering, customerSequentialId: customer.sequential_id });
    await announceIssued(trx, invoice, { customer, organization });
    return invoice;
  });
}

export async function acmeCustomer(db: Db, organization: OrganizationRow): Promise<CustomerRow> {
  const { customer } = await upsertCustomer(db, organization.id, 'acme', {
    name: 'Acme Corp', legal_name: 'Acme Corporation', currency: 'USD', timezone: 'UTC', email: 'ap@acme.example',
    address_line1: '1 Infinite Loop', city: 'Cupertino', state: 'CA', zipcode: '95014', country: 'US', net_payment_term: 30,
  });
  return customer;
}

export async function airbnbCustomer(db: Db, organization: OrganizationRow): Promise<CustomerRow> {
  const { customer } = await upsertCustomer(db, organization.id, 'airbnb', { name: 'Airbnb', currency: 'EUR', timezone: 'UTC' });
  return customer;
}

const period = (from: string, to: string, charges?: [string, string]) => ({
  external_subscription_id: 'acme-team',
  subscription_from_datetime: `${from}T00:00:00.000Z`, subscription_to_datetime: `${to}T23:59:59.999Z`,
  charges_from_datetime: charges ? `${charges[0]}T00:00:00.000Z` : null, charges_to_datetime: charges ? `${charges[1]}T23:59:59.999Z` : null,
});

/** Hybrid invoice 1: subscription fee 12000 for 2027-01-19 … 2027-02-18, tax 1500, total 13500. */
export async function hybridInvoice1(db: Db, organization: OrganizationRow, customer: CustomerRow, status: 'finalized' | 'draft' = 'finalized'): Promise<InvoiceRow> {
  return write(db, organization, customer, `hybrid-1-${status}`, {
    issuingDate: '2027-01-19', dueDate: '2027-02-18', netPaymentTerm: 30, currency: 'USD', status,
    periods: [period('2027-01-19', '2027-02-18')],
    fees: [fee({
      amount_cents: 12000n, precise_amount_cents: '12000', precise_unit_amount: '120', unit_amount_cents: 12000n,
      taxes_amount_cents: 1500n, taxes_precise_amount_cents: '1500', taxes_rate: '12.5', applied_taxes: VAT, pay_in_advance: true,
      from_datetime: new Date('2027-01-19T00:00:00Z'), to_datetime: new Date('2027-02-18T23:59:59.999Z'),
      amount_details: { plan_amount_cents: '12000', billed_days: 31, full_days: 31 },
    })],
    totals: { fees: 12000n, taxes: 1500n, appliedTaxes: [{ tax_code: 'vat_12_5', tax_name: 'VAT', tax_rate: 12.5, amount_cents: 1500, fees_amount_cents: 12000 }] },
  });
}

/** Hybrid invoice 3: 12000 + 23000 (30,000 MTUs, graduated) = 35000, tax 4375, total 39375. */
export async function hybridInvoice3(db: Db, organization: OrganizationRow, customer: CustomerRow): Promise<InvoiceRow> {
  return write(db, organization, customer, 'hybrid-3', {
    issuingDate: '2027-03-19', dueDate: '2027-04-18', netPaymentTerm: 30, currency: 'USD',
    periods: [period('2027-03-19', '2027-04-18', ['2027-02-19', '2027-03-18'])],
    fees: [
      fee({
        amount_cents: 12000n, precise_amount_cents: '12000', precise_unit_amount: '120', unit_amount_cents: 12000n,
        taxes_amount_cents: 1500n, taxes_precise_amount_cents: '1500', taxes_rate: '12.5', applied_taxes: VAT, pay_in_advance: true,
        from_datetime: new Date('2027-03-19T00:00:00Z'), to_datetime: new Date('2027-04-18T23:59:59.999Z'),
        amount_details: { plan_amount_cents: '12000', billed_days: 31, full_days: 31 },
      }),
      fee({
        fee_type: 'charge', fee_key: 'charge:mtu', item_code: 'mtu', item_name: 'Monthly Tracked Users', units: '30000', total_aggregated_units: '30000',
        events_count: 30000, amount_cents: 23000n, precise_amount_cents: '23000', precise_unit_amount: '0.0076666666666667', unit_amount_cents: 1n,
        taxes_amount_cents: 2875n, taxes_precise_amount_cents: '2875', taxes_rate: '12.5', applied_taxes: VAT,
        from_datetime: new Date('2027-02-19T00:00:00Z'), to_datetime: new Date('2027-03-18T23:59:59.999Z'), amount_details: MTU_TIERS,
      }),
    ],
    totals: { fees: 35000n, taxes: 4375n, appliedTaxes: [{ tax_code: 'vat_12_5', tax_name: 'VAT', tax_rate: 12.5, amount_cents: 4375, fees_amount_cents: 35000 }] },
  });
}

/** Per-seat invoice 1: 8.25 × 63/31 = 16.7661 → 1677 EUR cents, 2 seats at the end, the seat history. */
export async function seatsInvoice1(db: Db, organization: OrganizationRow, customer: CustomerRow): Promise<InvoiceRow> {
  return write(db, organization, customer, 'seats-1', {
    issuingDate: '2027-02-19', dueDate: '2027-02-19', netPaymentTerm: 0, currency: 'EUR',
    periods: [{ ...period('2027-01-19', '2027-02-18', ['2027-01-19', '2027-02-18']), external_subscription_id: 'airbnb-pro' }],
    fees: [fee({
      fee_type: 'charge', fee_key: 'charge:seats', item_code: 'seats', item_name: 'Seats', units: '2', total_aggregated_units: '2.03226',
      amount_cents: 1677n, precise_amount_cents: '1676.6129', precise_unit_amount: '8.25', unit_amount_cents: 825n,
      from_datetime: new Date('2027-01-19T00:00:00Z'), to_datetime: new Date('2027-02-18T23:59:59.999Z'),
      amount_details: {
        kind: 'standard', units: '2.03226', per_unit_amount: '8.25', per_unit_total_amount: '16.7661', full_days: 31,
        seats: [
          { value: 'seat_1', added_on: '2027-01-19', removed_on: null, days_billed: 31 },
          { value: 'seat_3', added_on: '2027-01-19', removed_on: '2027-02-03', days_billed: 16 },
          { value: 'seat_2', added_on: '2027-02-03', removed_on: null, days_billed: 16 },
        ],
      },
    })],
    totals: { fees: 1677n, taxes: 0n, appliedTaxes: [] },
  });
}
