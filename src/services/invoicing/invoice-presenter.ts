/**
 * The invoice as the API shows it: one presenter for `GET /invoices`, the download endpoint and
 * the webhook payloads, so a webhook carries exactly what the REST endpoint returns.
 */
import type { Conn, Tx } from '../../db/knex';
import { feesOf, type FeeRow, type InvoiceRow } from '../../db/invoices';
import { findCustomerById, rememberCustomers, type CustomerRow } from '../../db/customers';
import { findSubscriptionById, findSubscriptionRowsByIds, findSubscriptionsByIds, type SubscriptionRow } from '../../db/subscriptions';
import { rememberTaxesOf } from '../../db/subscription-context';
import { findOrganization, type OrganizationRow } from '../../db/organizations';
import { creditsOfInvoices } from '../../db/credit-notes';
import { couponCreditsOfInvoices, type CouponCreditView } from '../../db/coupons';
import { appliedThresholdsOfInvoices } from '../../db/usage-thresholds';
import { serializeInvoice } from '../../serializers/invoice';
import { customerView } from '../../serializers/customer';
import { presentInvoiceSubscriptions, rememberPlanChangeCodes, subscriptionIdsOf } from './subscription-presenter';
import { hasReadMemo, memoized, recall, remember } from '../../db/read-memo';

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

const invoiceCreditsKey = (invoiceId: string) => `invoice-credits:${invoiceId}`;
const couponCreditsKey = (invoiceId: string) => `coupon-credits:${invoiceId}`;
type InvoiceCredit = Awaited<ReturnType<typeof creditsOfInvoices>>[number];

/**
 * What presenting these invoices reads, read once for all of them (a statement per kind, not one
 * per invoice) and left in the transaction's read memo, which the caller opened and whose
 * transaction writes none of it (an overdue sweep's page writes invoices and the outbox only):
 * their fees, credits and coupon credits, their customers, the subscriptions they bill with those
 * subscriptions' plan changes and taxes. `presentInvoice` then finds them there.
 */
export async function rememberInvoicePresentation(trx: Tx, organizationId: string, invoices: readonly InvoiceRow[]): Promise<void> {
  if (invoices.length === 0 || !hasReadMemo(trx)) return;
  const ids = invoices.map((invoice) => invoice.id);
  // Each read's order is total (feesOf's ends with the id), so an invoice's share of it is the order it reads alone.
  const [fees, credits, couponCredits] = await Promise.all([
    feesOf(trx, ids), creditsOfInvoices(trx, organizationId, ids), couponCreditsOfInvoices(trx, organizationId, ids),
  ]);
  rememberByInvoice(trx, ids, fees, invoiceFeesKey);
  rememberByInvoice(trx, ids, credits, invoiceCreditsKey);
  rememberByInvoice(trx, ids, couponCredits, couponCreditsKey);
  const subscriptionIds = [...invoices.flatMap(subscriptionIdsOf), ...fees.flatMap((fee) => (fee.subscription_id ? [fee.subscription_id] : []))];
  const subscriptions = await findSubscriptionRowsByIds(trx, organizationId, subscriptionIds);
  for (const row of subscriptions) remember(trx, `subscription:${row.id}`, row);
  await Promise.all([
    rememberCustomers(trx, organizationId, [...invoices, ...subscriptions].map((row) => row.customer_id)),
    rememberPlanChangeCodes(trx, subscriptions),
    rememberTaxesOf(trx, subscriptions),
  ]);
}

/**
 * A new invoice's credits, known to its writer: none from credit notes and none from coupons, when
 * it drew neither. Its presentation, later in the same transaction, then reads neither.
 */
export function rememberNoCreditsOf(trx: Tx, invoiceId: string): void {
  if (!hasReadMemo(trx)) return;
  remember(trx, invoiceCreditsKey(invoiceId), []);
  remember(trx, couponCreditsKey(invoiceId), []);
}

/** Rows of several invoices remembered per invoice, in the order read; an invoice without any has none. */
function rememberByInvoice<T extends { invoice_id: string | null }>(trx: Tx, ids: readonly string[], rows: readonly T[], keyOf: (id: string) => string): void {
  const byInvoice = new Map<string, T[]>(ids.map((id) => [id, []]));
  for (const row of rows) if (row.invoice_id) byInvoice.get(row.invoice_id)?.push(row);
  for (const [id, list] of byInvoice) remember(trx, keyOf(id), list);
}

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
    credits: await (recall<InvoiceCredit[]>(db, invoiceCreditsKey(invoice.id)) ?? creditsOfInvoices(db, organization.id, [invoice.id])),
    couponCredits: await (recall<CouponCreditView[]>(db, couponCreditsKey(invoice.id)) ?? couponCreditsOfInvoices(db, organization.id, [invoice.id])),
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
