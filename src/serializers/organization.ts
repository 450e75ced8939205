/** Lago's OrganizationObject (`GET/PUT /organizations`); never the HMAC key or any other secret. */
import { z } from 'zod';
import type { OrganizationRow } from '../db/organizations';
import type { TaxWithCounts } from '../db/taxes';
import { isoSeconds, responseSchemas, wire } from './common';
import { serializeTax, taxSchema } from './tax';

export const organizationSchema = z.object({
  lago_id: wire.uuid,
  name: z.string(),
  created_at: wire.dateTime,
  /** The first webhook endpoint's URL (Lago's legacy single URL), null without one. */
  webhook_url: z.string().nullable(),
  webhook_urls: z.array(z.string()),
  country: z.string().nullable(),
  default_currency: wire.currency,
  address_line1: z.string().nullable(),
  address_line2: z.string().nullable(),
  state: z.string().nullable(),
  zipcode: z.string().nullable(),
  email: z.string().nullable(),
  city: z.string().nullable(),
  legal_name: z.string().nullable(),
  legal_number: z.string().nullable(),
  timezone: z.string(),
  net_payment_term: z.number().int(),
  /** Billow sends no emails. */
  email_settings: z.array(z.string()),
  document_numbering: z.enum(['per_customer', 'per_organization']),
  document_number_prefix: z.string(),
  tax_identification_number: z.string().nullable(),
  finalize_zero_amount_invoice: z.boolean(),
  billing_configuration: z.object({
    invoice_footer: z.string().nullable(),
    invoice_grace_period: z.number().int(),
    document_locale: z.string(),
  }),
  events_store: z.literal('postgres'),
  /** A Billow addition: usage arriving for a finalized period is billed on the next invoice (`next_invoice`) or never (`ignore`, Lago's behaviour). */
  late_usage: z.enum(['next_invoice', 'ignore']),
  taxes: z.array(taxSchema),
}).register(responseSchemas, { id: 'Organization' });
export type OrganizationJson = z.output<typeof organizationSchema>;

export interface OrganizationContext {
  webhookUrls: string[];
  taxes: TaxWithCounts[];
  /** Billow's only value for the settings Lago lets an organization choose (see services/organizations/settings.ts). */
  fixed: { emailSettings: readonly string[]; documentLocale: string; finalizeZeroAmountInvoice: boolean };
}

export function serializeOrganization(organization: OrganizationRow, context: OrganizationContext): OrganizationJson {
  return {
    lago_id: organization.id,
    name: organization.name,
    created_at: isoSeconds(organization.created_at),
    webhook_url: context.webhookUrls[0] ?? null,
    webhook_urls: context.webhookUrls,
    country: organization.country,
    default_currency: organization.default_currency,
    address_line1: organization.address_line1,
    address_line2: organization.address_line2,
    state: organization.state,
    zipcode: organization.zipcode,
    email: organization.email,
    city: organization.city,
    legal_name: organization.legal_name,
    legal_number: organization.legal_number,
    timezone: organization.timezone,
    net_payment_term: organization.net_payment_term,
    email_settings: [...context.fixed.emailSettings],
    document_numbering: organization.document_numbering,
    document_number_prefix: organization.document_number_prefix,
    tax_identification_number: organization.tax_identification_number,
    finalize_zero_amount_invoice: context.fixed.finalizeZeroAmountInvoice,
    billing_configuration: {
      invoice_footer: organization.invoice_footer,
      invoice_grace_period: organization.invoice_grace_period,
      document_locale: context.fixed.documentLocale,
    },
    events_store: 'postgres',
    late_usage: organization.late_usage,
    taxes: context.taxes.map(serializeTax),
  };
}
