import { z } from 'zod';
import type { CustomerInput } from '../../services/customers';
import { currency, optionalText, timezone } from './common';
import {
  SHOWN, honour, refuseTrue, refuseUnlessEmpty, refuseUnlessOneOf, shownAs, under, withContract,
} from '../contract';

const country = z.string().regex(/^[A-Za-z]{2}$/).transform((c) => c.toUpperCase());

const ADDRESS_FIELDS = ['address_line1', 'address_line2', 'city', 'state', 'zipcode', 'country'] as const;

export const customerSchema = withContract(z.object({
  external_id: z.string().trim().min(1).max(255),
  name: optionalText,
  firstname: optionalText,
  lastname: optionalText,
  customer_type: z.enum(['company', 'individual']).nullish(),
  email: optionalText,
  phone: optionalText,
  url: optionalText,
  logo_url: optionalText,
  legal_name: optionalText,
  legal_number: optionalText,
  tax_identification_number: optionalText,
  address_line1: optionalText,
  address_line2: optionalText,
  city: optionalText,
  state: optionalText,
  zipcode: optionalText,
  country: country.nullish(),
  currency: currency.nullish(),
  timezone: timezone.nullish(),
  net_payment_term: z.number().int().min(0).max(3650).nullish(),
  tax_codes: z.array(z.string()).optional(),
  /** Stored as sent (the keys below only); the contract refuses the settings Billow does not act on. */
  billing_configuration: z
    .object({
      payment_provider: z.enum(['stripe', 'gocardless', 'adyen', 'moneyhash', 'cashfree', 'flutterwave']).nullish(),
      payment_provider_code: optionalText,
      provider_customer_id: optionalText,
      provider_payment_methods: z.array(z.string().min(1).max(255)).max(20).nullish(),
      /** Days a periodic invoice stays a draft (null: the organization's). */
      invoice_grace_period: z.number().int().min(0).max(365).nullish(),
      subscription_invoice_issuing_date_anchor: z.enum(['next_period_start', 'current_period_end']).nullish(),
      subscription_invoice_issuing_date_adjustment: z.enum(['align_with_finalization_date', 'keep_anchor']).nullish(),
      document_locale: optionalText,
      sync: z.boolean().nullish(),
      sync_with_provider: z.boolean().nullish(),
    })
    .optional(),
  /** The keys sent replace those stored; the others are kept. */
  shipping_address: z
    .object({
      address_line1: optionalText,
      address_line2: optionalText,
      city: optionalText,
      state: optionalText,
      zipcode: optionalText,
      country: country.nullish(),
    })
    .nullish(),
  metadata: z.array(z.object({ key: z.string(), value: z.string(), display_in_invoice: z.boolean().optional() })).optional(),
}), {
  honoured: {
    ...honour(SHOWN, 'external_id', 'name', 'firstname', 'lastname', 'customer_type', 'email', 'phone', 'url', 'logo_url', 'legal_name', 'legal_number',
      'tax_identification_number', ...ADDRESS_FIELDS, 'currency', 'timezone', 'net_payment_term'),
    tax_codes: shownAs('taxes.*.code'),
    // `stripe` with a provider_customer_id: the customer's finalized invoices are collected at Stripe (services/payments/collection.ts) when the
    // organization is connected; any other provider, as in Lago without a connection to it, collects nothing: stored and shown.
    ...under('billing_configuration.', honour(SHOWN, 'payment_provider', 'payment_provider_code', 'provider_customer_id', 'provider_payment_methods')),
    // sync_with_provider with payment_provider "stripe" and no provider_customer_id: the Stripe customer is created during the request and its
    // id stored as provider_customer_id (services/payments/provider-customers.ts; 422 without a Stripe connection or with another provider).
    // `sync` (create it synchronously): Billow always does. Both are stored and shown.
    ...under('billing_configuration.', honour(SHOWN, 'sync', 'sync_with_provider')),
    // Periodic invoices closed later are drafts for that many days (services/invoicing/grace-period.ts); null takes the organization's.
    'billing_configuration.invoice_grace_period': SHOWN,
    ...under('shipping_address.', honour(SHOWN, ...ADDRESS_FIELDS)),
    ...honour(SHOWN, 'metadata.*.key', 'metadata.*.value', 'metadata.*.display_in_invoice'),
    'metadata.*.id': 'Names the item it replaces: the list sent replaces the customer\'s metadata (services/customers/customers.ts), so the result is the list sent, as in Lago.',
  },
  refused: {
    billing_entity_code: refuseUnlessEmpty('Billow has a single issuer, the organization: it has no billing entities.'),
    account_type: refuseUnlessOneOf(['customer'], 'Partner accounts (self-billed invoices) are not supported.'),
    finalize_zero_amount_invoice: refuseUnlessOneOf(['inherit'], 'Billow finalizes every invoice, zero-amount ones too: "skip" or "finalize" per customer is not supported.'),
    skip_invoice_custom_sections: refuseTrue('Billow has no invoice custom sections.'),
    invoice_custom_section_codes: refuseUnlessEmpty('Billow has no invoice custom sections.'),
    integration_customers: refuseUnlessEmpty('Billow has no accounting or tax integrations.'),
    'billing_configuration.subscription_invoice_issuing_date_anchor': refuseUnlessOneOf(['next_period_start'], 'Billow issues a period\'s invoice from the first day of the next period.'),
    'billing_configuration.subscription_invoice_issuing_date_adjustment': refuseUnlessOneOf(['align_with_finalization_date'], 'A periodic invoice is dated the day it is finalized (the billing date plus the grace period); keeping the anchor date is not supported.'),
    'billing_configuration.document_locale': refuseUnlessOneOf(['en'], 'Billow renders invoices and credit notes in English only.'),
  },
}) satisfies z.ZodType<CustomerInput>;
