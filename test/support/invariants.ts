/**
 * Invariants that must hold after every step of every scenario: each invoice's fees add up to its
 * totals; no two invoices cover the same occasion; invoice numbers are gapless per customer; a
 * consolidated invoice (one per customer and billing day) bills its own customer's subscriptions,
 * each part recorded once, closing that day (the day of its key: a draft is dated otherwise). Drafts (and drafts deleted) take no number: they carry
 * `<PREFIX>-DRAFT` and no sequential id, and the invoices that were finalized are numbered 1, 2, 3…
 * without them. Amounts are compared as the decimal strings of their bigints (exactly), so a
 * failure can be reported by a jest worker.
 */
import type { Db } from '../../src/db/knex';

export async function assertBillingInvariants(db: Db): Promise<void> {
  const invoices = await db('invoices').select('*').orderBy(['customer_id', 'sequential_id']);
  const fees = await db('fees').select('invoice_id', 'amount_cents', 'taxes_amount_cents');
  for (const invoice of invoices) {
    const own = fees.filter((fee) => fee.invoice_id === invoice.id);
    const feesTotal = own.reduce((sum, fee) => sum + BigInt(fee.amount_cents), 0n);
    const taxesTotal = own.reduce((sum, fee) => sum + BigInt(fee.taxes_amount_cents), 0n);
    const context = `invoice ${invoice.number}`;
    expect({ context, fees: String(feesTotal) }).toEqual({ context, fees: String(BigInt(invoice.fees_amount_cents)) });
    expect({ context, taxes: String(taxesTotal) }).toEqual({ context, taxes: String(BigInt(invoice.taxes_amount_cents)) });
    // What the period's progressive invoices billed already is deducted before coupons (issue 15).
    const subTotal = BigInt(invoice.fees_amount_cents) - BigInt(invoice.progressive_billing_credit_amount_cents ?? 0) - BigInt(invoice.coupons_amount_cents);
    expect({ context, subTotal: String(subTotal) }).toEqual({ context, subTotal: String(BigInt(invoice.sub_total_excluding_taxes_amount_cents)) });
    const total = subTotal + BigInt(invoice.taxes_amount_cents) - BigInt(invoice.credit_notes_amount_cents) - BigInt(invoice.prepaid_credit_amount_cents);
    expect({ context, total: String(total) }).toEqual({ context, total: String(BigInt(invoice.total_amount_cents)) });
  }
  // One invoice per (subscription, kind, period): periodic base-fee periods never overlap per subscription.
  const periods = await db('fees')
    .join('invoices', 'invoices.id', 'fees.invoice_id')
    .where('fees.fee_type', 'subscription')
    .whereNotIn('invoices.status', ['voided', 'deleted'])
    .select('fees.subscription_id', 'fees.from_datetime', 'fees.to_datetime')
    .orderBy(['fees.subscription_id', 'fees.from_datetime']);
  for (let i = 1; i < periods.length; i++) {
    const [previous, current] = [periods[i - 1], periods[i]];
    if (previous.subscription_id === current.subscription_id) {
      expect({ subscription: current.subscription_id, overlaps: current.from_datetime <= previous.to_datetime }).toEqual({ subscription: current.subscription_id, overlaps: false });
    }
  }
  // True-ups (issue 16 pt 4): a spending-minimum true-up and its parent fee name each other, on one invoice, for one charge.
  const linked = await db('fees as t').join('fees as p', 'p.id', 't.true_up_parent_fee_id')
    .select('t.id', 't.invoice_id', 't.charge_id', 't.amount_cents', 'p.invoice_id as parent_invoice_id', 'p.charge_id as parent_charge_id', 'p.true_up_fee_id as parent_true_up_fee_id');
  for (const row of linked) {
    const link = { fee: row.id, invoice: row.invoice_id, charge: row.charge_id, backLink: row.parent_true_up_fee_id, positive: BigInt(row.amount_cents) > 0n };
    expect(link).toEqual({ ...link, invoice: row.parent_invoice_id, charge: row.parent_charge_id, backLink: row.id, positive: true });
  }
  const dangling = await db('fees').whereNotNull('true_up_fee_id').whereNotIn('true_up_fee_id', db('fees').whereNotNull('true_up_parent_fee_id').select('id')).pluck('id');
  expect({ danglingTrueUpLinks: dangling }).toEqual({ danglingTrueUpLinks: [] });
  const keys = invoices.map((invoice) => `${invoice.organization_id}:${invoice.idempotency_key}`);
  expect(new Set(keys).size).toBe(keys.length);
  // Drafts have no number yet; every other invoice has one.
  for (const invoice of invoices) {
    const unnumbered = invoice.status === 'draft' || invoice.status === 'deleted';
    const numbering = { invoice: invoice.id, status: invoice.status, sequential: invoice.sequential_id === null ? null : 'set', draftNumber: String(invoice.number).endsWith('-DRAFT') };
    expect(numbering).toEqual({ ...numbering, sequential: unnumbered ? null : 'set', draftNumber: unnumbered });
  }
  // Consolidated invoices: every billing period is a part of this invoice, of the invoice's customer, closing its day
  // (the billing date of its key: a draft is dated the end of its grace period, and once finalized the day it was).
  const consolidated = invoices.filter((invoice) => String(invoice.idempotency_key).startsWith('customer:'));
  if (consolidated.length > 0) {
    const parts = await db('invoice_subscriptions as p').join('subscriptions as s', 's.id', 'p.subscription_id')
      .whereIn('p.invoice_id', consolidated.map((invoice) => invoice.id)).select('p.invoice_id', 'p.subscription_id', 'p.occasion', 's.customer_id');
    for (const invoice of consolidated) {
      const own = parts.filter((part) => part.invoice_id === invoice.id);
      const periods = (invoice.billing_periods as { lago_subscription_id: string }[]).map((period) => period.lago_subscription_id).sort();
      const context = `invoice ${invoice.number}`;
      expect({ context, parts: own.map((part) => part.subscription_id).sort() }).toEqual({ context, parts: periods });
      expect({ context, foreign: own.filter((part) => part.customer_id !== invoice.customer_id || part.occasion !== `close:${String(invoice.idempotency_key).split(':periodic:')[1]}`) }).toEqual({ context, foreign: [] });
    }
  }
  // Gapless per customer: 1, 2, 3, …
  const byCustomer = new Map<string, bigint[]>();
  for (const invoice of invoices.filter((row) => row.sequential_id !== null)) {
    byCustomer.set(invoice.customer_id, [...(byCustomer.get(invoice.customer_id) ?? []), BigInt(invoice.sequential_id)]);
  }
  for (const [customer, sequence] of byCustomer) {
    expect({ customer, sequence: sequence.map(String) }).toEqual({ customer, sequence: sequence.map((_, index) => String(index + 1)) });
  }
}
