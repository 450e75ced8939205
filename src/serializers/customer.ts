import { z } from 'zod';
import type { CustomerRow } from '../db/customers';
import type { OrganizationRow } from '../db/organizations';
import type { TaxWithCounts } from '../db/taxes';
import { derivedUuid, isoSeconds, responseSchemas, wire } from './common';
import { serializeTax, taxSchema, type TaxJson } from './tax';

/**
 * Payment-provider settings as sent (stored as given, so other keys pass through); the fields Lago
 * always shows are null until set, as Lago's CustomerSerializer answers them.
 */
export const billingConfigurationSchema = z.looseObject({
  invoice_grace_period: z.number().int().nullable(),
  payment_provider: z.string().nullable(),
  payment_provider_code: z.string().nullable(),
  provider_customer_id: z.string().nullable(),
  sync: z.boolean(),
  sync_with_provider: z.boolean(),
  document_locale: z.string().nullable(),
}).register(responseSchemas, { id: 'CustomerBillingConfiguration' });
export type BillingConfigurationJson = z.output<typeof billingConfigurationSchema>;

export const customerMetadataSchema = z.object({
  lago_id: wire.uuid,
  key: z.string(),
  value: z.string(),
  display_in_invoice: z.boolean(),
  created_at: wire.dateTime,
}).register(responseSchemas, { id: 'CustomerMetadata' });

export const customerSchema = z.object({
  lago_id: wire.uuid,
  sequential_id: z.number().int(),
  slug: z.string(),
  external_id: z.string(),
  name: z.string().nullable(),
  firstname: z.string().nullable(),
  lastname: z.string().nullable(),
  customer_type: z.enum(['company', 'individual']).nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  url: z.string().nullable(),
  logo_url: z.string().nullable(),
  legal_name: z.string().nullable(),
  legal_number: z.string().nullable(),
  tax_identification_number: z.string().nullable(),
  address_line1: z.string().nullable(),
  address_line2: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  zipcode: z.string().nullable(),
  country: z.string().nullable(),
  currency: wire.currency.nullable(),
  timezone: z.string().nullable(),
  applicable_timezone: z.string(),
  net_payment_term: z.number().int().nullable(),
  created_at: wire.dateTime,
  updated_at: wire.dateTime,
  billing_configuration: billingConfigurationSchema,
  shipping_address: z.record(z.string(), z.string().nullable()),
  metadata: z.array(customerMetadataSchema),
  taxes: z.array(taxSchema),
}).register(responseSchemas, { id: 'Customer' });
export type CustomerJson = z.output<typeof customerSchema>;

/** A metadata item as stored: its id and creation time are given when it is first written. */
interface StoredMetadata {
  lago_id?: string;
  key: string;
  value: string;
  display_in_invoice?: boolean;
  created_at?: string;
}

/** The customer's JSON within its organization; pass its taxes (by customer id) to show them, else `taxes` is empty. */
export function customerView(organization: Pick<OrganizationRow, 'document_number_prefix' | 'timezone'>, taxes?: ReadonlyMap<string, TaxWithCounts[]>) {
  return (customer: CustomerRow): CustomerJson =>
    serializeCustomer(customer, {
      prefix: organization.document_number_prefix,
      organizationTimezone: organization.timezone,
      taxes: (taxes?.get(customer.id) ?? []).map(serializeTax),
    });
}

export function serializeCustomer(customer: CustomerRow, context: { prefix: string; organizationTimezone: string; taxes?: TaxJson[] }): CustomerJson {
  const billing = (customer.billing_configuration ?? {}) as Partial<BillingConfigurationJson>;
  return {
    lago_id: customer.id,
    sequential_id: Number(customer.sequential_id),
    slug: `${context.prefix}-${String(customer.sequential_id).padStart(3, '0')}`,
    external_id: customer.external_id,
    name: customer.name,
    firstname: customer.firstname,
    lastname: customer.lastname,
    customer_type: customer.customer_type as CustomerJson['customer_type'],
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
    metadata: ((customer.metadata ?? []) as StoredMetadata[]).map((item) => ({
      // Items written before ids were stamped get a stable id and the customer's creation time.
      lago_id: item.lago_id ?? derivedUuid('customer_metadata', customer.id, item.key),
      key: item.key,
      value: item.value,
      display_in_invoice: item.display_in_invoice ?? false,
      created_at: item.created_at ?? isoSeconds(customer.created_at),
    })),
    taxes: context.taxes ?? [],
  };
}
