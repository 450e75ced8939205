/** Lago's OrganizationObject (`GET/PUT /organizations`); never the HMAC key or any other secret. */
import type { OrganizationRow } from '../db/organizations';
import type { TaxWithCounts } from '../db/taxes';
import { isoSeconds } from './common';
import { serializeTax } from './tax';

export interface OrganizationContext {
  webhookUrls: string[];
  taxes: TaxWithCounts[];
  /** Billow's only value for the settings Lago lets an organization choose (see services/organizations/settings.ts). */
  fixed: { emailSettings: readonly string[]; documentLocale: string; finalizeZeroAmountInvoice: boolean };
}

export function serializeOrganization(organization: OrganizationRow, context: OrganizationContext) {
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
    /** A Billow addition: usage arriving for a finalized period is billed on the next invoice (`next_invoice`) or never (`ignore`, Lago's behaviour). */
    late_usage: organization.late_usage,
    taxes: context.taxes.map(serializeTax),
  };
}
