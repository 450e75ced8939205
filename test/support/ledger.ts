/**
 * Seeds what invoicing would have written, row by row, for the read routes' tests (analytics, past
 * usage, fees): plans, subscriptions, invoices with exactly the fees, periods, dates and statuses a
 * test states, and fees billed without an invoice. Totals follow from the fees (amount − coupons +
 * taxes); nothing is computed by the billing core, so the expectations stay the test's own.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/knex';
import { insertPlan, type PlanRow } from '../../src/db/plans';
import { insertSubscription, type SubscriptionRow } from '../../src/db/subscriptions';
import { insertInvoicelessFeeOnce, type FeeDraft, type FeeRow, type InvoiceRow } from '../../src/db/invoices';
import { insertNumberedInvoice } from './invoice-rows';
import type { CustomerRow } from '../../src/db/customers';
import type { OrganizationRow } from '../../src/db/organizations';
import type { Interval } from '../../src/billing/types';

export async function seedPlan(db: Db, organizationId: string, code: string, fields: { interval: Interval; amountCents: bigint; currency?: string; payInAdvance?: boolean }): Promise<PlanRow> {
  return insertPlan(db, organizationId, {
    code, name: `Plan ${code}`, interval: fields.interval, amount_cents: fields.amountCents, amount_currency: fields.currency ?? 'EUR', pay_in_advance: fields.payInAdvance ?? true,
  });
}

export async function seedSubscription(
  db: Db, customer: CustomerRow, plan: PlanRow, externalId: string, fields: { startedAt: string; terminatedAt?: string; status?: SubscriptionRow['status'] },
): Promise<SubscriptionRow> {
  return insertSubscription(db, {
    organization_id: customer.organization_id, customer_id: customer.id, plan_id: plan.id, external_id: externalId, name: null,
    status: fields.status ?? (fields.terminatedAt ? 'terminated' : 'active'), billing_time: 'calendar',
    subscription_at: new Date(fields.startedAt), started_at: new Date(fields.startedAt), trial_ended_at: null, ending_at: null,
    terminated_at: fields.terminatedAt ? new Date(fields.terminatedAt) : null, canceled_at: null, previous_subscription_id: null,
    on_termination_credit_note: null, workflow_id: `seed/${randomUUID()}`,
  });
}

export interface LedgerFee {
  kind: 'subscription' | 'charge' | 'add_on';
  amountCents: bigint;
  couponsCents?: bigint;
  taxesCents?: bigint;
  subscriptionId?: string;
  chargeId?: string;
  /** Service days, ISO instants (a day ends at 23:59:59.999). */
  from?: string;
  to?: string;
  billedDays?: number;
  fullDays?: number;
  units?: string;
  eventsCount?: number;
  /** Defaults to a unique key; `<subscription id>:charge:<charge id>[:<filter id>]` as the writer names bucket fees. */
  feeKey?: string;
  payInAdvance?: boolean;
}

export interface LedgerInvoice {
  issuingDate: string;
  dueDate?: string;
  status?: InvoiceRow['status'];
  paymentStatus?: InvoiceRow['payment_status'];
  currency?: string;
  subscriptionId?: string;
  billingPeriods?: unknown[];
  fees: LedgerFee[];
}

function feeDraft(fee: LedgerFee, index: number): FeeDraft {
  const coupons = fee.couponsCents ?? 0n;
  const taxes = fee.taxesCents ?? 0n;
  return {
    subscription_id: fee.subscriptionId ?? null, charge_id: fee.chargeId ?? null, fee_type: fee.kind, fee_key: fee.feeKey ?? `ledger:${index}:${randomUUID()}`,
    item_code: fee.kind, item_name: `Fee ${fee.kind}`, invoice_display_name: null, description: null, add_on_id: null, wallet_transaction_id: null,
    units: fee.units ?? '1', total_aggregated_units: fee.units ?? '1', events_count: fee.eventsCount ?? 0, amount_cents: fee.amountCents,
    precise_amount_cents: fee.amountCents.toString(), precise_unit_amount: '0', unit_amount_cents: fee.amountCents,
    precise_coupons_amount_cents: coupons.toString(), taxes_amount_cents: taxes, taxes_precise_amount_cents: taxes.toString(),
    taxes_rate: '0', applied_taxes: [], from_datetime: fee.from ? new Date(fee.from) : null, to_datetime: fee.to ? new Date(fee.to) : null,
    amount_details: fee.billedDays !== undefined ? { plan_amount_cents: '0', billed_days: fee.billedDays, full_days: fee.fullDays } : {},
    pay_in_advance: fee.payInAdvance ?? false, invoiceable: true, event_transaction_id: null,
  };
}

/** An invoice with exactly these fees; its totals are their sums. */
export async function seedLedgerInvoice(db: Db, organization: OrganizationRow, customer: CustomerRow, invoice: LedgerInvoice): Promise<{ invoice: InvoiceRow; fees: FeeRow[] }> {
  const fees = invoice.fees.map(feeDraft);
  const sum = (pick: (fee: LedgerFee) => bigint) => invoice.fees.reduce((total, fee) => total + pick(fee), 0n);
  const feesCents = sum((fee) => fee.amountCents);
  const couponsCents = sum((fee) => fee.couponsCents ?? 0n);
  const taxesCents = sum((fee) => fee.taxesCents ?? 0n);
  const row = await db.transaction((trx) => insertNumberedInvoice(trx, {
    organization_id: organization.id, customer_id: customer.id, subscription_id: invoice.subscriptionId ?? null, idempotency_key: `ledger:${randomUUID()}`,
    invoice_type: 'subscription', invoicing_reason: null, status: invoice.status ?? 'finalized', payment_status: invoice.paymentStatus ?? 'pending',
    issuing_date: invoice.issuingDate, payment_due_date: invoice.dueDate ?? invoice.issuingDate, net_payment_term: 0, currency: invoice.currency ?? 'EUR',
    fees_amount_cents: feesCents, coupons_amount_cents: couponsCents, credit_notes_amount_cents: 0n,
    sub_total_excluding_taxes_amount_cents: feesCents - couponsCents, taxes_amount_cents: taxesCents,
    sub_total_including_taxes_amount_cents: feesCents - couponsCents + taxesCents, prepaid_credit_amount_cents: 0n,
    total_amount_cents: feesCents - couponsCents + taxesCents, applied_taxes: [], billing_periods: invoice.billingPeriods ?? [],
  }, fees, { prefix: organization.document_number_prefix, mode: organization.document_numbering, customerSequentialId: customer.sequential_id }));
  const feeRows = (await db('fees').where({ invoice_id: row.id }).orderBy('fee_key')) as FeeRow[];
  return { invoice: row, fees: invoice.fees.map((_, index) => feeRows.find((fee) => fee.fee_key === fees[index]!.fee_key)!) };
}

/** A fee billed without an invoice (a pay-in-advance charge that is not invoiceable). */
export async function seedInvoicelessFee(db: Db, organizationId: string, fee: LedgerFee & { currency?: string; eventTransactionId?: string }): Promise<FeeRow> {
  const draft = { ...feeDraft({ ...fee, payInAdvance: true }, 0), invoiceable: false, event_transaction_id: fee.eventTransactionId ?? null };
  return (await insertInvoicelessFeeOnce(db, organizationId, fee.currency ?? 'EUR', draft))!;
}
