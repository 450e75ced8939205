/**
 * The invoice as the API shows it: one presenter for `GET /invoices`, the download endpoint and
 * the webhook payloads, so a webhook carries exactly what the REST endpoint returns.
 */
import type { Conn } from '../../db/knex';
import { feesOf, type FeeRow, type InvoiceRow } from '../../db/invoices';
import { findCustomerById, type CustomerRow } from '../../db/customers';
import { findSubscriptionById, findSubscriptionsByIds, type SubscriptionRow } from '../../db/subscriptions';
import { findOrganization, type OrganizationRow } from '../../db/organizations';
import { creditsOfInvoices } from '../../db/credit-notes';
import { couponCreditsOfInvoices } from '../../db/coupons';
import { appliedThresholdsOfInvoices } from '../../db/usage-thresholds';
import { serializeInvoice } from '../../serializers/invoice';
import { customerView } from '../../serializers/customer';
import { presentInvoiceSubscriptions } from './subscription-presenter';
import { memoized, recall } from '../../db/read-memo';

/** The authenticated download URL of a rendered invoice PDF (reference §1.7 `file_url`). */
export function invoiceFileUrl(publicUrl: string | null, invoice: Pick<InvoiceRow, 'id' | 'file_path'>): string | null {
  if (!invoice.file_path || !publicUrl) return null;
  return `${publicUrl.replace(/\/+$/, '')}/api/v1/invoices/${invoice.id}/pdf`;
}

export interface PresentOptions {
  withFees: boolean;
  /** Base of `file_url`; null leaves it null. */
  publicUrl: string | null;
  /** The caller's now, for the current period of the invoice's subscriptions; absent: the invoice's issuing date. */
  nowMs?: number;
}

/** The subscriptions the fees name (id, name, external id): from the transaction's read memo when it holds them all (a close's), else read. */
async function billedSubscriptions(db: Conn, organizationId: string, ids: readonly string[]): Promise<Pick<SubscriptionRow, 'id' | 'name' | 'external_id'>[]> {
  const unique = [...new Set(ids)];
  const known = unique.map((id) => recall<SubscriptionRow | undefined>(db, `subscription:${id}`));
  if (unique.length === 0 || known.some((entry) => entry === undefined)) return findSubscriptionsByIds(db, organizationId, unique);
  return (await Promise.all(known)).filter((row): row is SubscriptionRow => row !== undefined && row.organization_id === organizationId);
}

/**
 * Where a transaction that writes no fee may leave an invoice's fees it has read (`remember`) for
 * its presentation. Never `memoized`: a close writes the fees it then presents.
 */
export const invoiceFeesKey = (invoiceId: string) => `fees:${invoiceId}`;

export async function presentInvoice(db: Conn, organization: OrganizationRow, invoice: InvoiceRow, options: PresentOptions) {
  const customer = (await memoized(db, `customer:${invoice.customer_id}`, () => findCustomerById(db, invoice.customer_id))) as CustomerRow;
  const subscriptionId = invoice.subscription_id;
  const subscription = subscriptionId ? await memoized(db, `subscription:${subscriptionId}`, () => findSubscriptionById(db, subscriptionId)) : undefined;
  const fees = options.withFees ? await (recall<FeeRow[]>(db, invoiceFeesKey(invoice.id)) ?? feesOf(db, [invoice.id])) : undefined;
  // A consolidated invoice bills several subscriptions: each fee names its own.
  const billed = await billedSubscriptions(db, organization.id, (fees ?? []).flatMap((fee) => (fee.subscription_id ? [fee.subscription_id] : [])));
  return serializeInvoice(invoice, {
    customer,
    customerView: customerView(organization)(customer),
    fees,
    subscriptions: fees ? await presentInvoiceSubscriptions(db, invoice, fees, options.nowMs === undefined ? undefined : { nowMs: options.nowMs }) : undefined,
    externalSubscriptionId: subscription?.external_id ?? null,
    externalSubscriptionIds: new Map(billed.map((row) => [row.id, row.external_id])),
    fileUrl: invoiceFileUrl(options.publicUrl, invoice),
    credits: await creditsOfInvoices(db, organization.id, [invoice.id]),
    couponCredits: await couponCreditsOfInvoices(db, organization.id, [invoice.id]),
    appliedUsageThresholds: invoice.invoice_type === 'progressive_billing' ? await appliedThresholdsOfInvoices(db, [invoice.id]) : [],
  });
}

/**
 * The invoice object of a webhook payload, read inside the caller's transaction; its subscriptions'
 * current period as of the caller's now when it has one, else as of the invoice's issuing date.
 */
export async function invoiceWebhookObject(trx: Conn, invoice: InvoiceRow, publicUrl: string | null, nowMs?: number): Promise<Record<string, unknown>> {
  const organization = await memoized(trx, `organization:${invoice.organization_id}`, () => findOrganization(trx, invoice.organization_id));
  if (!organization) throw new Error(`Organization ${invoice.organization_id} does not exist`);
  return presentInvoice(trx, organization, invoice, { withFees: true, publicUrl, nowMs });
}
