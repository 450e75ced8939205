/**
 * The grace period of a customer's periodic invoices (reference/lago-api.md §6): the customer's
 * `billing_configuration.invoice_grace_period` when it has one (0 included), else its
 * organization's, else 0. With N > 0 a periodic invoice is a draft for N days: it is dated the
 * day it is expected to be finalized (the billing date + N, Lago's default anchor
 * `next_period_start` with `align_with_finalization_date`) and finalizes by itself at the start
 * of that day in the customer's timezone.
 */
import type { CustomerRow } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';

export function gracePeriodDays(customer: Pick<CustomerRow, 'billing_configuration'>, organization: Pick<OrganizationRow, 'invoice_grace_period'>): number {
  const own = (customer.billing_configuration ?? {}).invoice_grace_period;
  if (typeof own === 'number' && Number.isInteger(own) && own >= 0) return own;
  return organization.invoice_grace_period ?? 0;
}
