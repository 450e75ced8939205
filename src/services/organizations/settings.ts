/**
 * The organization's own settings (Lago's `GET /organizations` and `PUT /organizations`).
 *
 * Honoured, each applying to what is computed after the change (invoices, numbers, documents
 * issued later; nothing already issued changes):
 * - identity and address (`email`, `legal_name`, `legal_number`, `tax_identification_number`,
 *   `address_line1/2`, `zipcode`, `city`, `state`, `country`): printed on documents rendered later;
 * - `net_payment_term`: the due date of invoices issued later (a customer's own term still wins);
 * - `document_numbering`, `document_number_prefix` (upper-cased, 1 to 10 characters): the numbers
 *   of invoices finalized later and the slug of every customer; switching to per_organization, the
 *   organization's sequence continues from the number of invoices numbered so far (Lago's rule: the
 *   sequence is kept only while it is in the numbers);
 * - `billing_configuration.invoice_footer`: documents rendered later;
 * - `default_currency`: stored and shown (Lago's default for the UI; billing takes the customer's
 *   or the plan's currency);
 * - `timezone`: the issuing dates and periods of what is computed later, for customers without a
 *   timezone of their own. Refused (422 `cannot_change_with_active_subscriptions`) while a pending or
 *   active subscription of such a customer exists: its workflow was scheduled on the old timezone
 *   and would bill periods that no longer match its invoices' dates;
 * - `webhook_url`: Lago's legacy single URL, the URL of the organization's first (oldest) webhook
 *   endpoint, created when it has none (`/webhook_endpoints` manages the others);
 * - `billing_configuration.invoice_grace_period` (0 to 365 days): periodic invoices closed later
 *   are drafts for that many days, for customers without a grace period of their own (drafts
 *   already open keep their date);
 * - `late_usage` (a Billow addition): `next_invoice` (default) bills usage that arrives for a
 *   finalized period on the next invoice, as an adjustment; `ignore` never bills it (Lago's way).
 *
 * Refused with 422 `feature_not_supported`, naming the field, unless they ask for what Billow does:
 * `email_settings` (Billow sends no email: only `[]`), `billing_configuration.document_locale`
 * (documents are in English: only `en`), `finalize_zero_amount_invoice` (Billow finalizes every
 * invoice, whatever its amount: only `true`).
 */
import type { Db } from '../../db/knex';
import { isUniqueViolation } from '../../db/errors';
import { findOrganization, type OrganizationRow } from '../../db/organizations';
import {
  lockOrganization, organizationTaxes, organizationTimezoneInUse, setFirstWebhookUrl, updateOrganizationSettings, webhookUrlsOf,
  type OrganizationSettings,
} from '../../db/organization-settings';
import { LATE_USAGE_POLICIES, type LateUsagePolicy } from '../../db/organizations';

export { LATE_USAGE_POLICIES, type LateUsagePolicy };
import type { TaxWithCounts } from '../../db/taxes';
import { startOrganizationNumbering } from '../../db/invoices';
import { invalidField, notFound, Problems } from '../../runtime/errors';

export interface UpdateOrganizationInput {
  webhook_url?: string;
  country?: string | null;
  default_currency?: string;
  address_line1?: string | null;
  address_line2?: string | null;
  state?: string | null;
  zipcode?: string | null;
  email?: string | null;
  city?: string | null;
  legal_name?: string | null;
  legal_number?: string | null;
  tax_identification_number?: string | null;
  document_numbering?: 'per_customer' | 'per_organization';
  /** Upper-cased before it is stored. */
  document_number_prefix?: string;
  net_payment_term?: number;
  timezone?: string;
  email_settings?: string[];
  billing_configuration?: {
    invoice_footer?: string | null;
    /** Days, 0 to 365. */
    invoice_grace_period?: number;
    document_locale?: string;
  };
  finalize_zero_amount_invoice?: boolean;
  /** A Billow addition: what becomes of usage that arrives for a finalized period. */
  late_usage?: LateUsagePolicy;
}

/** The organization as `/organizations` shows it. */
export interface OrganizationView {
  organization: OrganizationRow;
  webhookUrls: string[];
  taxes: TaxWithCounts[];
}

/** What Billow does where Lago offers a choice: the only value accepted for each. */
export const ORGANIZATION_FIXED_SETTINGS = {
  emailSettings: [] as string[],
  documentLocale: 'en',
  finalizeZeroAmountInvoice: true,
} as const;

const PLAIN_FIELDS = [
  'country', 'default_currency', 'address_line1', 'address_line2', 'state', 'zipcode', 'email', 'city', 'legal_name', 'legal_number',
  'tax_identification_number', 'document_numbering', 'net_payment_term', 'timezone',
] as const;

async function view(db: Db, organization: OrganizationRow): Promise<OrganizationView> {
  const [webhookUrls, taxes] = await Promise.all([webhookUrlsOf(db, organization.id), organizationTaxes(db, organization.id)]);
  return { organization, webhookUrls, taxes };
}

export async function getOrganizationView(db: Db, organizationId: string): Promise<OrganizationView> {
  const organization = await findOrganization(db, organizationId);
  if (!organization) throw notFound('organization');
  return view(db, organization);
}

function refuseUnsupported(input: UpdateOrganizationInput, problems: Problems): void {
  const fixed = ORGANIZATION_FIXED_SETTINGS;
  if (input.email_settings !== undefined && input.email_settings.length > 0) problems.add('email_settings', 'feature_not_supported');
  const billing = input.billing_configuration ?? {};
  if (billing.document_locale !== undefined && billing.document_locale !== fixed.documentLocale) {
    problems.add('billing_configuration.document_locale', 'feature_not_supported');
  }
  if (input.finalize_zero_amount_invoice !== undefined && input.finalize_zero_amount_invoice !== fixed.finalizeZeroAmountInvoice) {
    problems.add('finalize_zero_amount_invoice', 'feature_not_supported');
  }
}

export async function updateOrganization(db: Db, organizationId: string, input: UpdateOrganizationInput): Promise<OrganizationView> {
  const problems = new Problems();
  refuseUnsupported(input, problems);
  problems.throwIfAny();
  const updated = await db.transaction(async (trx) => {
    const current = await lockOrganization(trx, organizationId);
    if (!current) throw notFound('organization');
    const settings: OrganizationSettings = {};
    for (const field of PLAIN_FIELDS) {
      if (input[field] !== undefined) (settings as Record<string, unknown>)[field] = input[field];
    }
    if (input.document_number_prefix !== undefined) settings.document_number_prefix = input.document_number_prefix.toUpperCase();
    if (input.billing_configuration?.invoice_footer !== undefined) settings.invoice_footer = input.billing_configuration.invoice_footer;
    if (input.billing_configuration?.invoice_grace_period !== undefined) settings.invoice_grace_period = input.billing_configuration.invoice_grace_period;
    if (input.late_usage !== undefined) settings.late_usage = input.late_usage;
    if (settings.timezone !== undefined && settings.timezone !== current.timezone && (await organizationTimezoneInUse(trx, organizationId))) {
      throw invalidField('timezone', 'cannot_change_with_active_subscriptions');
    }
    if (input.webhook_url !== undefined) {
      try {
        await trx.transaction((inner) => setFirstWebhookUrl(inner, organizationId, input.webhook_url!));
      } catch (error) {
        if (isUniqueViolation(error)) throw invalidField('webhook_url', 'value_already_exist');
        throw error;
      }
    }
    if (settings.document_numbering === 'per_organization' && current.document_numbering === 'per_customer') await startOrganizationNumbering(trx, organizationId);
    return Object.keys(settings).length > 0 ? updateOrganizationSettings(trx, organizationId, settings) : current;
  });
  return view(db, updated);
}
