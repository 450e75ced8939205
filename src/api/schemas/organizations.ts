/**
 * `PUT /organizations` (Lago's OrganizationUpdateInput): every field Lago defines is listed here, and
 * its contract refuses the choices Billow does not offer (the service checks them again:
 * services/organizations/settings.ts).
 */
import { z } from 'zod';
import { LATE_USAGE_POLICIES, type UpdateOrganizationInput } from '../../services/organizations';
import { timezone } from './common';
import { currencyParam } from './query';
import { SHOWN, honour, refuseFalse, refuseUnlessEmpty, refuseUnlessOneOf, withContract } from '../contract';

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

const nullableText = z.string().max(255).nullable();

export const updateOrganizationSchema = withContract(z.object({
  webhook_url: z.string().trim().min(1).max(2048).refine(isHttpUrl, { params: { code: 'url_is_invalid' }, message: 'url_is_invalid' }).optional(),
  country: z.string().regex(/^[A-Za-z]{2}$/).transform((c) => c.toUpperCase()).nullable().optional(),
  default_currency: currencyParam.optional(),
  address_line1: nullableText.optional(),
  address_line2: nullableText.optional(),
  state: nullableText.optional(),
  zipcode: nullableText.optional(),
  email: z.email({ message: 'invalid_email_format' }).max(255).nullable().optional(),
  city: nullableText.optional(),
  legal_name: nullableText.optional(),
  legal_number: nullableText.optional(),
  tax_identification_number: nullableText.optional(),
  document_numbering: z.enum(['per_customer', 'per_organization']).optional(),
  document_number_prefix: z.string().trim().min(1).max(10).optional(),
  net_payment_term: z.number().int().min(0).max(3650).optional(),
  timezone: timezone.optional(),
  email_settings: z.array(z.enum(['invoice.finalized', 'credit_note.created'])).max(10).optional(),
  billing_configuration: z.object({
    invoice_footer: z.string().max(600).nullish(),
    invoice_grace_period: z.number().int().min(0).max(365).optional(),
    document_locale: z.string().min(2).max(10).optional(),
  }).optional(),
  finalize_zero_amount_invoice: z.boolean().optional(),
  /** A Billow addition (not in Lago's spec): what becomes of usage that arrives for a finalized period. */
  late_usage: z.enum(LATE_USAGE_POLICIES).optional(),
}), {
  honoured: honour(SHOWN,
    'webhook_url', 'country', 'default_currency', 'address_line1', 'address_line2', 'state', 'zipcode', 'email', 'city', 'legal_name', 'legal_number',
    'tax_identification_number', 'document_numbering', 'document_number_prefix', 'net_payment_term', 'timezone', 'billing_configuration.invoice_footer',
    // Periodic invoices closed later are drafts for that many days, for customers without a grace period of their own.
    'billing_configuration.invoice_grace_period'),
  refused: {
    email_settings: refuseUnlessEmpty('Billow sends no emails: documents reach customers through webhooks and the API.'),
    'billing_configuration.document_locale': refuseUnlessOneOf(['en'], 'Documents are rendered in English only.'),
    finalize_zero_amount_invoice: refuseFalse('Billow finalizes every invoice, zero-amount ones too.'),
  },
}) satisfies z.ZodType<UpdateOrganizationInput>;
