import type { CustomerRow } from '../db/customers';
import type { OrganizationRow } from '../db/organizations';
import type { TaxWithCounts } from '../db/taxes';
import { isoSeconds } from './common';
import { serializeTax } from './tax';

/** The customer's JSON within its organization; pass its taxes (by customer id) to show them, else `taxes` is empty. */
export function customerView(organization: Pick<OrganizationRow, 'document_number_prefix' | 'timezone'>, taxes?: ReadonlyMap<string, TaxWithCounts[]>) {
  return (customer: CustomerRow) =>
    serializeCustomer(customer, {
      prefix: organization.document_number_prefix,
      organizationTimezone: organization.timezone,
      taxes: (taxes?.get(customer.id) ?? []).map(serializeTax),
    });
}

export function serializeCustomer(customer: CustomerRow, context: { prefix: string; organizationTimezone: string; taxes?: unknown[] }) {
  const billing = customer.billing_configuration ?? {};
  return {
    lago_id: customer.id,
    sequential_id: Number(customer.sequential_id),
    slug: `${context.prefix}-${String(customer.sequential_id).padStart(3, '0')}`,
    external_id: customer.external_id,
    name: customer.name,
    firstname: customer.firstname,
    lastname: customer.lastname,
    customer_type: customer.customer_type,
    email: customer.email,
    phone: customer.phone,
    url: customer.url,
    logo_url: customer.logo_url,
    legal_name: customer.legal_name,
    legal_number: customer.legal_number,
    tax_identification_number: customer.tax_identification_number,
    address_line1: customer.address_line1,
    address_line2: customer.address_line2,
    city: customer.city,
    state: customer.state,
    zipcode: customer.zipcode,
    country: customer.country,
    currency: customer.currency,
    timezone: customer.timezone,
    applicable_timezone: customer.timezone ?? context.organizationTimezone,
    net_payment_term: customer.net_payment_term,
    created_at: isoSeconds(customer.created_at),
    updated_at: isoSeconds(customer.updated_at),
    billing_configuration: {
      invoice_grace_period: null,
      payment_provider: null,
      payment_provider_code: null,
      provider_customer_id: null,
      sync: false,
      sync_with_provider: false,
      document_locale: null,
      ...billing,
    },
    shipping_address: {
      address_line1: null, address_line2: null, city: null, state: null, zipcode: null, country: null,
      ...customer.shipping_address,
    },
    metadata: customer.metadata ?? [],
    taxes: context.taxes ?? [],
  };
}
