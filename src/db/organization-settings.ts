/** An organization's own settings (`GET/PUT /organizations`): its row, its taxes, its webhook URLs. */
import type { Conn, Tx } from './knex';
import type { OrganizationRow } from './organizations';
import { taxesWithCounts, type TaxWithCounts } from './taxes';
import { insertEndpoint, lockEndpointsOf, updateEndpoint } from './webhooks';

/** What `PUT /organizations` may change. */
export type OrganizationSettings = Partial<Pick<OrganizationRow,
  | 'email' | 'legal_name' | 'legal_number' | 'tax_identification_number' | 'address_line1' | 'address_line2' | 'zipcode' | 'city'
  | 'state' | 'country' | 'default_currency' | 'document_number_prefix' | 'document_numbering' | 'net_payment_term' | 'timezone'
  | 'invoice_footer' | 'invoice_grace_period' | 'late_usage'>>;

/** The row, locked until the transaction ends (settings change one request after the other). */
export async function lockOrganization(trx: Tx, id: string): Promise<OrganizationRow | undefined> {
  return trx<OrganizationRow>('organizations').where({ id }).forUpdate().first();
}

export async function updateOrganizationSettings(trx: Tx, id: string, settings: OrganizationSettings): Promise<OrganizationRow> {
  const [row] = await trx<OrganizationRow>('organizations').where({ id }).update({ ...settings, updated_at: trx.fn.now() } as never).returning('*');
  return row!;
}

/**
 * Whether a pending or active subscription bills in the organization's timezone (its customer has
 * none of its own): its workflow was scheduled on that timezone.
 */
export async function organizationTimezoneInUse(conn: Conn, organizationId: string): Promise<boolean> {
  const row = await conn('subscriptions')
    .join('customers', 'customers.id', 'subscriptions.customer_id')
    .where('subscriptions.organization_id', organizationId)
    .whereIn('subscriptions.status', ['pending', 'active'])
    .whereNull('customers.timezone')
    .first('subscriptions.id');
  return row !== undefined;
}

/** The taxes applied to the whole organization (Lago's `taxes` of the organization). */
export async function organizationTaxes(conn: Conn, organizationId: string): Promise<TaxWithCounts[]> {
  return taxesWithCounts(conn, organizationId).where('taxes.applied_to_organization', true).orderBy([{ column: 'taxes.created_at' }, { column: 'taxes.id' }]);
}

/** The URLs of the organization's webhook endpoints, oldest first. */
export async function webhookUrlsOf(conn: Conn, organizationId: string): Promise<string[]> {
  const rows = (await conn('webhook_endpoints').where({ organization_id: organizationId }).orderBy([{ column: 'created_at' }, { column: 'id' }]).select('webhook_url')) as { webhook_url: string }[];
  return rows.map((row) => row.webhook_url);
}

/**
 * Lago's legacy `webhook_url` of an organization: the URL of its first (oldest) endpoint, which is
 * created (JWT-signed, every event type) when it has none. The endpoint count cannot grow past one
 * this way, so the limit of ten is never reached here.
 */
export async function setFirstWebhookUrl(trx: Tx, organizationId: string, url: string): Promise<void> {
  await lockEndpointsOf(trx, organizationId);
  const first = (await trx('webhook_endpoints').where({ organization_id: organizationId }).orderBy([{ column: 'created_at' }, { column: 'id' }]).first('id')) as { id: string } | undefined;
  if (first) await updateEndpoint(trx, organizationId, first.id, { webhook_url: url });
  else await insertEndpoint(trx, organizationId, { webhook_url: url, signature_algo: 'jwt', name: null, event_types: null });
}
