/**
 * In-memory sample invoices (no database): the hybrid walkthrough's invoice 3 and the per-seat
 * walkthrough's invoice 1 (shared/scenarios). Used by the benchmark, the docs image script and
 * the template tests; amounts are the scenarios' hand-worked figures.
 */
import type { FeeRow, InvoiceRow } from '../db/invoices';
import type { OrganizationRow } from '../db/organizations';
import type { CustomerRow } from '../db/customers';
import type { InvoiceViewInput } from './invoice-view';

/** A small SVG logo (a data URL, as the renderer wants them). */
export const SAMPLE_LOGO = `data:image/svg+xml;base64,${Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="48" viewBox="0 0 160 48"><rect x="0" y="4" width="40" height="40" rx="9" fill="#0f4c81"/><path d="M8 30c5-8 9-8 12 0s7 8 12 0" stroke="#fff" stroke-width="4" fill="none" stroke-linecap="round"/><text x="50" y="31" font-family="Liberation Sans, Arial, sans-serif" font-size="17" font-weight="bold" fill="#0f4c81">Northwind</text></svg>',
).toString('base64')}`;

const at = (iso: string) => new Date(iso);

export function sampleOrganization(overrides: Partial<OrganizationRow> = {}): OrganizationRow {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    name: 'Northwind Analytics',
    legal_name: 'Northwind Analytics Inc.',
    legal_number: '5551234',
    tax_identification_number: 'US-EIN 12-3456789',
    email: 'billing@northwind.example',
    address_line1: '500 Market Street, Suite 1200',
    address_line2: null,
    city: 'San Francisco',
    state: 'CA',
    zipcode: '94105',
    country: 'US',
    logo_url: null,
    invoice_footer: 'Thank you for your business. Pay by bank transfer to IBAN US00 0000 0000 0000, quoting the invoice number.',
    document_number_prefix: 'NOR-0001',
    document_numbering: 'per_customer',
    timezone: 'UTC',
    default_currency: 'USD',
    net_payment_term: 30,
    webhooks_allow_private_addresses: false,
    invoice_grace_period: 0,
    late_usage: 'next_invoice',
    created_at: at('2027-01-01T00:00:00Z'),
    ...overrides,
  };
}

export function sampleCustomer(overrides: Partial<CustomerRow> = {}): CustomerRow {
  return {
    id: '00000000-0000-4000-8000-000000000002',
    organization_id: '00000000-0000-4000-8000-000000000001',
    external_id: 'acme',
    sequential_id: 1n,
    name: 'Acme Corp',
    firstname: null,
    lastname: null,
    customer_type: 'company',
    email: 'ap@acme.example',
    phone: null,
    url: null,
    logo_url: null,
    legal_name: 'Acme Corporation',
    legal_number: null,
    tax_identification_number: 'GB123456789',
    address_line1: '1 Infinite Loop',
    address_line2: null,
    city: 'London',
    state: null,
    zipcode: 'EC1A 1BB',
    country: 'GB',
    currency: 'USD',
    timezone: 'UTC',
    net_payment_term: null,
    billing_configuration: { payment_provider: 'stripe' },
    shipping_address: {},
    metadata: [],
    created_at: at('2027-01-19T00:00:00Z'),
    updated_at: at('2027-01-19T00:00:00Z'),
    deleted_at: null,
    ...overrides,
  };
}

function fee(overrides: Partial<FeeRow>): FeeRow {
  return {
    id: '00000000-0000-4000-8000-0000000000f0',
    organization_id: '00000000-0000-4000-8000-000000000001',
    invoice_id: '00000000-0000-4000-8000-0000000000a3',
    position: null,
    subscription_id: '00000000-0000-4000-8000-0000000000b1',
    charge_id: null,
    fee_type: 'subscription',
    fee_key: 'subscription',
    item_code: 'team',
    item_name: 'Team',
    invoice_display_name: null,
    description: null,
    add_on_id: null,
    wallet_transaction_id: null,
    charge_filter_id: null,
    charge_filter_values: null,
    charge_filter_invoice_display_name: null,
    grouped_by: null,
    presentation_breakdowns: [],
    units: '1',
    total_aggregated_units: '1',
    events_count: 0,
    amount_cents: 0n,
    precise_amount_cents: '0',
    precise_unit_amount: '0',
    unit_amount_cents: 0n,
    precise_coupons_amount_cents: '0',
    taxes_amount_cents: 0n,
    taxes_precise_amount_cents: '0',
    taxes_rate: '0',
    applied_taxes: [],
    currency: 'USD',
    from_datetime: null,
    to_datetime: null,
    amount_details: {},
    pay_in_advance: false,
    invoiceable: true,
    event_transaction_id: null,
    created_at: at('2027-03-19T00:00:00Z'),
    ...overrides,
  };
}

function invoice(overrides: Partial<InvoiceRow>): InvoiceRow {
  return {
    id: '00000000-0000-4000-8000-0000000000a3',
    organization_id: '00000000-0000-4000-8000-000000000001',
    customer_id: '00000000-0000-4000-8000-000000000002',
    subscription_id: '00000000-0000-4000-8000-0000000000b1',
    idempotency_key: 'sample',
    total_paid_amount_cents: 0n,
    payment_overdue: false,
    invoice_type: 'subscription',
    invoicing_reason: 'subscription_periodic',
    status: 'finalized',
    payment_status: 'pending',
    sequential_id: 3n,
    organization_sequential_id: 3n,
    number: 'NOR-0001-001-003',
    issuing_date: '2027-03-19',
    payment_due_date: '2027-04-18',
    net_payment_term: 30,
    currency: 'USD',
    fees_amount_cents: 0n,
    coupons_amount_cents: 0n,
    credit_notes_amount_cents: 0n,
    sub_total_excluding_taxes_amount_cents: 0n,
    taxes_amount_cents: 0n,
    sub_total_including_taxes_amount_cents: 0n,
    prepaid_credit_amount_cents: 0n,
    total_amount_cents: 0n,
    applied_taxes: [],
    billing_periods: [],
    file_path: null,
    voided_at: null,
    created_at: at('2027-03-19T00:00:00Z'),
    updated_at: at('2027-03-19T00:00:00Z'),
    ...overrides,
  };
}

/** The graduated MTU breakdown of 30,000 users: 10,000 × 0 + 15,000 × 0.012 + 5,000 × 0.01 = 230.00. */
export const MTU_TIERS = {
  kind: 'graduated',
  graduated_ranges: [
    { from_value: '0', to_value: '10000', units: '10000', flat_amount: '0', per_unit_amount: '0', per_unit_total_amount: '0', total: '0' },
    { from_value: '10001', to_value: '25000', units: '15000', flat_amount: '0', per_unit_amount: '0.012', per_unit_total_amount: '180', total: '180' },
    { from_value: '25001', to_value: null, units: '5000', flat_amount: '0', per_unit_amount: '0.01', per_unit_total_amount: '50', total: '50' },
  ],
};

/** Hybrid walkthrough, invoice 3: 12000 + 23000 = 35000, tax 12.5 % = 4375, total 39375. */
export function hybridInvoice3(): Omit<InvoiceViewInput, 'paperSize' | 'logo'> & { logo: string | null } {
  const vat = [{ tax_code: 'vat_12_5', tax_name: 'VAT', tax_rate: 12.5 }];
  return {
    organization: sampleOrganization(),
    customer: sampleCustomer(),
    timezone: 'UTC',
    subscriptionNames: new Map([['00000000-0000-4000-8000-0000000000b1', 'Project 1 (acme-team)']]),
    logo: SAMPLE_LOGO,
    invoice: invoice({
      fees_amount_cents: 35000n,
      sub_total_excluding_taxes_amount_cents: 35000n,
      taxes_amount_cents: 4375n,
      sub_total_including_taxes_amount_cents: 39375n,
      total_amount_cents: 39375n,
      applied_taxes: [{ tax_code: 'vat_12_5', tax_name: 'VAT', tax_rate: 12.5, amount_cents: 4375, fees_amount_cents: 35000 }],
      billing_periods: [{
        external_subscription_id: 'acme-team',
        subscription_from_datetime: '2027-03-19T00:00:00.000Z', subscription_to_datetime: '2027-04-18T23:59:59.999Z',
        charges_from_datetime: '2027-02-19T00:00:00.000Z', charges_to_datetime: '2027-03-18T23:59:59.999Z',
      }],
    }),
    fees: [
      fee({
        amount_cents: 12000n, precise_amount_cents: '12000', precise_unit_amount: '120', unit_amount_cents: 12000n,
        taxes_amount_cents: 1500n, taxes_precise_amount_cents: '1500', taxes_rate: '12.5', applied_taxes: vat, pay_in_advance: true,
        from_datetime: at('2027-03-19T00:00:00Z'), to_datetime: at('2027-04-18T23:59:59.999Z'),
        amount_details: { plan_amount_cents: '12000', billed_days: 31, full_days: 31 },
      }),
      fee({
        id: '00000000-0000-4000-8000-0000000000f1', fee_type: 'charge', fee_key: 'charge:mtu', item_code: 'mtu', item_name: 'Monthly Tracked Users',
        units: '30000', total_aggregated_units: '30000', events_count: 30000,
        amount_cents: 23000n, precise_amount_cents: '23000', precise_unit_amount: '0.00766666666666667', unit_amount_cents: 1n,
        taxes_amount_cents: 2875n, taxes_precise_amount_cents: '2875', taxes_rate: '12.5', applied_taxes: vat,
        from_datetime: at('2027-02-19T00:00:00Z'), to_datetime: at('2027-03-18T23:59:59.999Z'),
        amount_details: MTU_TIERS,
      }),
    ],
  };
}

/** Per-seat walkthrough, invoice 1: 8.25 × 63/31 = 16.7661 → 1677 EUR cents, with the seat history. */
export function seatsInvoice1(): Omit<InvoiceViewInput, 'paperSize' | 'logo'> & { logo: string | null } {
  return {
    organization: sampleOrganization({ country: 'FR', city: 'Paris', zipcode: '75002', state: null, address_line1: '5 rue de la Paix', legal_name: 'Northwind Analytics SAS', default_currency: 'EUR', tax_identification_number: 'FR 12 345678901', legal_number: 'RCS Paris 123 456 789', invoice_footer: 'Payment by SEPA transfer to IBAN FR76 3000 6000 0112 3456 7890 189, quoting the invoice number.' }),
    customer: sampleCustomer({ external_id: 'airbnb', name: 'Airbnb', legal_name: null, currency: 'EUR', tax_identification_number: null, email: 'billing@airbnb.example', country: 'IE', city: 'Dublin', zipcode: 'D02', address_line1: '8 Hanover Quay' }),
    timezone: 'UTC',
    subscriptionNames: new Map(),
    logo: null,
    invoice: invoice({
      number: 'NOR-0001-002-001', sequential_id: 1n, issuing_date: '2027-02-19', payment_due_date: '2027-02-19', net_payment_term: 0, currency: 'EUR',
      fees_amount_cents: 1677n, sub_total_excluding_taxes_amount_cents: 1677n, sub_total_including_taxes_amount_cents: 1677n, total_amount_cents: 1677n,
      billing_periods: [{ external_subscription_id: 'airbnb-pro', subscription_from_datetime: '2027-01-19T00:00:00.000Z', subscription_to_datetime: '2027-02-18T23:59:59.999Z' }],
    }),
    fees: [
      fee({
        fee_type: 'charge', fee_key: 'charge:seats', item_code: 'seats', item_name: 'Seats', currency: 'EUR',
        units: '2', total_aggregated_units: '2.03226', amount_cents: 1677n, precise_amount_cents: '1676.6129', precise_unit_amount: '8.25',
        from_datetime: at('2027-01-19T00:00:00Z'), to_datetime: at('2027-02-18T23:59:59.999Z'),
        amount_details: {
          kind: 'standard', units: '2.03226', per_unit_amount: '8.25', per_unit_total_amount: '16.7661',
          full_days: 31,
          seats: [
            { value: 'seat_1', added_on: '2027-01-19', removed_on: null, days_billed: 31 },
            { value: 'seat_3', added_on: '2027-01-19', removed_on: '2027-02-03', days_billed: 16 },
            { value: 'seat_2', added_on: '2027-02-03', removed_on: null, days_billed: 16 },
          ],
        },
      }),
    ],
  };
}
