/**
 * From stored rows to what the invoice document prints: every string formatted here, none in
 * the template. Pure (no I/O): the caller loads the rows and the logo.
 */
import type { FeeRow, InvoiceRow } from '../db/invoices';
import type { OrganizationRow } from '../db/organizations';
import type { CustomerRow } from '../db/customers';
import { localDateOf } from '../billing/calendar';
import { Dec } from '../billing/money';
import { formatDate, formatMoney, formatRate, formatUnitPrice, formatUnits } from './format';

export type PaperSize = 'A4' | 'Letter';

export interface TableView {
  title: string;
  columns: string[];
  /** Which columns are numbers (right-aligned). */
  numeric: boolean[];
  rows: string[][];
}

export interface LineView {
  description: string;
  /** Smaller lines under the description: the period, proration, notes. */
  details: string[];
  units: string;
  unitPrice: string;
  taxRate: string;
  amount: string;
  tables: TableView[];
}

export interface TotalView {
  label: string;
  note?: string;
  value: string;
  strong?: boolean;
}

export interface PartyView {
  name: string;
  lines: string[];
}

export interface DocumentView {
  /** "Invoice", "Credit note". */
  title: string;
  number: string;
  /** A stamp such as "VOID", "DRAFT" or "PAID"; null for none. */
  stamp: string | null;
  paperSize: PaperSize;
  logo: string | null;
  issuer: PartyView;
  billTo: PartyView;
  facts: { label: string; value: string }[];
  lines: LineView[];
  totals: TotalView[];
  footer: string | null;
  legal: string[];
  /** Repeated at the bottom of every page with the page number. */
  pageFooter: string;
}

const LETTER_COUNTRIES = new Set(['US', 'CA', 'MX', 'PH', 'CL', 'CO', 'VE', 'GT', 'CR', 'PR', 'DO', 'SV', 'NI', 'PA', 'BO']);

export function paperSizeOf(organization: Pick<OrganizationRow, 'country'> & { document_paper_size?: string | null }, requested?: string | null): PaperSize {
  const wanted = (requested ?? organization.document_paper_size ?? '').toLowerCase();
  if (wanted === 'letter') return 'Letter';
  if (wanted === 'a4') return 'A4';
  return LETTER_COUNTRIES.has((organization.country ?? '').toUpperCase()) ? 'Letter' : 'A4';
}

let regionNames: Intl.DisplayNames | null = null;
function countryName(code: string | null): string | null {
  if (!code) return null;
  try {
    regionNames ??= new Intl.DisplayNames(['en'], { type: 'region' });
    return regionNames.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

interface Address {
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  zipcode: string | null;
  country: string | null;
}

/** Postal lines in the country's usual order: "San Francisco, CA 94105", "75002 Paris", "London\nEC1A 1BB". */
function addressLines(address: Address): string[] {
  const country = (address.country ?? '').toUpperCase();
  const { city, state, zipcode } = address;
  let locality: (string | null)[];
  if (['US', 'CA', 'AU'].includes(country)) {
    locality = [[city, [state, zipcode].filter(Boolean).join(' ')].filter(Boolean).join(', ')];
  } else if (['GB', 'IE'].includes(country)) {
    locality = [city, state, zipcode];
  } else {
    locality = [[zipcode, city].filter(Boolean).join(' '), state];
  }
  return [address.address_line1, address.address_line2, ...locality, countryName(address.country)]
    .filter((line): line is string => Boolean(line && line.trim()));
}

export function issuerView(organization: OrganizationRow): PartyView {
  const lines = addressLines(organization);
  if (organization.email) lines.push(organization.email);
  if (organization.tax_identification_number) lines.push(`Tax ID: ${organization.tax_identification_number}`);
  return { name: organization.legal_name ?? organization.name, lines };
}

export function customerPartyView(customer: CustomerRow): PartyView {
  const person = [customer.firstname, customer.lastname].filter(Boolean).join(' ');
  const name = customer.legal_name ?? customer.name ?? (person || customer.external_id);
  const lines: string[] = [];
  if (customer.name && customer.legal_name && customer.name !== customer.legal_name) lines.push(customer.name);
  lines.push(...addressLines(customer));
  if (customer.email) lines.push(customer.email);
  if (customer.tax_identification_number) lines.push(`Tax ID: ${customer.tax_identification_number}`);
  if (customer.legal_number) lines.push(`Registration no.: ${customer.legal_number}`);
  lines.push(`Customer ID: ${customer.external_id}`);
  // Lago prints the metadata the customer marked `display_in_invoice`.
  for (const item of (customer.metadata ?? []) as { key?: unknown; value?: unknown; display_in_invoice?: unknown }[]) {
    if (item.display_in_invoice === true) lines.push(`${String(item.key)}: ${String(item.value)}`);
  }
  return { name, lines };
}

export function legalLines(organization: OrganizationRow): string[] {
  const parts = [organization.legal_name ?? organization.name];
  if (organization.legal_number) parts.push(`Registration no. ${organization.legal_number}`);
  if (organization.tax_identification_number) parts.push(`Tax ID ${organization.tax_identification_number}`);
  return [parts.join(' · ')];
}

export function dueDateText(invoice: InvoiceRow): string {
  const terms = invoice.net_payment_term > 0 ? ` (net ${invoice.net_payment_term} days)` : ' (due on receipt)';
  return `${formatDate(invoice.payment_due_date)}${terms}`;
}

interface BillingPeriod {
  external_subscription_id?: string | null;
  subscription_from_datetime?: string | null;
  subscription_to_datetime?: string | null;
  charges_from_datetime?: string | null;
  charges_to_datetime?: string | null;
}

function dateRange(fromIso: string | number | Date | null | undefined, toIso: string | number | Date | null | undefined, timezone: string): string | null {
  if (fromIso === null || fromIso === undefined || toIso === null || toIso === undefined) return null;
  const from = localDateOf(new Date(fromIso).getTime(), timezone);
  const to = localDateOf(new Date(toIso).getTime(), timezone);
  return `${formatDate(from)} – ${formatDate(to)}`;
}

function periodFacts(invoice: InvoiceRow, timezone: string): { label: string; value: string }[] {
  const periods = (invoice.billing_periods ?? []) as BillingPeriod[];
  return periods.flatMap((period) => {
    const range = dateRange(period.subscription_from_datetime, period.subscription_to_datetime, timezone)
      ?? dateRange(period.charges_from_datetime, period.charges_to_datetime, timezone);
    if (!range) return [];
    const label = periods.length > 1 && period.external_subscription_id ? `Billing period (${period.external_subscription_id})` : 'Billing period';
    return [{ label, value: range }];
  });
}

// ---- fee lines -----------------------------------------------------------------------------

type Details = Record<string, unknown>;
const str = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

function tierLabel(from: unknown, to: unknown): string {
  const low = formatUnits(str(from) ?? '0');
  return to === null || to === undefined ? `${low} and above` : `${low} – ${formatUnits(String(to))}`;
}

function chargeTables(details: Details, currency: string): TableView[] {
  const tables: TableView[] = [];
  const graduated = details.graduated_ranges as Details[] | undefined;
  if (Array.isArray(graduated)) {
    tables.push({
      title: 'Graduated tiers',
      columns: ['Tier (units)', 'Units', 'Unit price', 'Flat fee', 'Amount'],
      numeric: [false, true, true, true, true],
      rows: graduated.map((tier) => [
        tierLabel(tier.from_value, tier.to_value),
        formatUnits(str(tier.units) ?? '0'),
        formatUnitPrice(str(tier.per_unit_amount) ?? '0', currency),
        formatUnitPrice(str(tier.flat_amount) ?? '0', currency),
        formatUnitPrice(str(tier.total) ?? '0', currency),
      ]),
    });
  }
  const graduatedPercentage = details.graduated_percentage_ranges as Details[] | undefined;
  if (Array.isArray(graduatedPercentage)) {
    tables.push({
      title: 'Graduated percentage tiers',
      columns: ['Tier (amount)', 'Units', 'Rate', 'Flat fee', 'Amount'],
      numeric: [false, true, true, true, true],
      rows: graduatedPercentage.map((tier) => [
        tierLabel(tier.from_value, tier.to_value),
        formatUnits(str(tier.units) ?? '0'),
        formatRate(str(tier.rate) ?? '0'),
        formatUnitPrice(str(tier.flat_amount) ?? '0', currency),
        formatUnitPrice(str(tier.total) ?? '0', currency),
      ]),
    });
  }
  const seats = details.seats as Details[] | undefined;
  if (Array.isArray(seats) && seats.length > 0) {
    const fullDays = str(details.full_days);
    tables.push({
      title: 'Seat history',
      columns: ['Seat', 'Added', 'Removed', fullDays ? `Days billed (of ${fullDays})` : 'Days billed'],
      numeric: [false, false, false, true],
      rows: seats.map((seat) => [
        str(seat.value) ?? '',
        seat.added_on ? formatDate(String(seat.added_on)) : 'before this period',
        seat.removed_on ? formatDate(String(seat.removed_on)) : '—',
        String(seat.days_billed ?? ''),
      ]),
    });
  }
  return tables;
}

function chargeNotes(details: Details, currency: string, units: string): string[] {
  const notes: string[] = [];
  const kind = details.kind;
  if (kind === 'standard' && details.units !== undefined && details.per_unit_amount !== undefined && !new Dec(String(details.units)).eq(new Dec(units))) {
    notes.push(`Billed: ${formatUnits(String(details.units))} units × ${formatUnitPrice(String(details.per_unit_amount), currency)}`);
  }
  if (kind === 'package') {
    const free = str(details.free_units);
    if (free && !new Dec(free).isZero()) notes.push(`${formatUnits(free)} free units`);
    notes.push(`${formatUnits(str(details.paid_units) ?? '0')} paid units in packages of ${formatUnits(str(details.per_package_size) ?? '1')} at ${formatUnitPrice(str(details.per_package_unit_amount) ?? '0', currency)}`);
  } else if (kind === 'percentage') {
    const free = str(details.free_units);
    if (free && !new Dec(free).isZero()) notes.push(`${formatUnits(free)} free units`);
    if (Number(details.free_events ?? 0) > 0) notes.push(`${String(details.free_events)} free events`);
    notes.push(`${formatRate(str(details.rate) ?? '0')} of ${formatUnits(str(details.paid_units) ?? '0')}`);
    const fixed = str(details.fixed_fee_total_amount);
    if (fixed && !new Dec(fixed).isZero()) notes.push(`Fixed fees ${formatUnitPrice(fixed, currency)}`);
  } else if (kind === 'volume') {
    notes.push(`Volume tier ${tierLabel(details.from_value, details.to_value)}`);
    const flat = str(details.flat_unit_amount);
    if (flat && !new Dec(flat).isZero()) notes.push(`Flat fee ${formatUnitPrice(flat, currency)}`);
  } else if (kind === 'zeroed') {
    notes.push('Negative usage is billed as zero');
  }
  const seats = details.seats as Details[] | undefined;
  if (Array.isArray(seats) && seats.length > 0) {
    const seatDays = seats.reduce((sum, seat) => sum + Number(seat.days_billed ?? 0), 0);
    const fullDays = str(details.full_days);
    notes.push(fullDays ? `${seatDays} seat-days over a ${fullDays}-day period` : `${seatDays} seat-days`);
  }
  return notes;
}

function unitPriceOf(fee: FeeRow, details: Details): string {
  const currency = fee.currency;
  if (fee.fee_type === 'subscription' && details.plan_amount_cents !== undefined) {
    return formatMoney(BigInt(String(details.plan_amount_cents)), currency);
  }
  switch (details.kind) {
    case 'standard':
      return formatUnitPrice(str(details.per_unit_amount) ?? fee.precise_unit_amount, currency);
    case 'volume':
      return formatUnitPrice(str(details.per_unit_amount) ?? fee.precise_unit_amount, currency);
    case 'package':
      return `${formatUnitPrice(str(details.per_package_unit_amount) ?? '0', currency)} / ${formatUnits(str(details.per_package_size) ?? '1')}`;
    case 'graduated':
    case 'graduated_percentage':
    case 'percentage':
      return 'tiered';
    default:
      return formatUnitPrice(fee.precise_unit_amount, currency);
  }
}

function feeLine(fee: FeeRow, timezone: string, subscriptionNames: Map<string, string>): LineView {
  const details = (fee.amount_details ?? {}) as Details;
  const lines: string[] = [];
  const period = dateRange(fee.from_datetime, fee.to_datetime, timezone);
  if (period) lines.push(period);
  const subscriptionName = fee.subscription_id ? subscriptionNames.get(fee.subscription_id) : undefined;
  if (fee.fee_type === 'subscription') {
    lines.unshift(`Subscription fee, billed in ${fee.pay_in_advance ? 'advance' : 'arrears'}`);
    if (subscriptionName) lines.unshift(subscriptionName);
    const billed = Number(details.billed_days);
    const full = Number(details.full_days);
    if (Number.isFinite(billed) && Number.isFinite(full) && billed > 0 && billed < full) lines.push(`Prorated: ${billed} of ${full} days`);
  } else {
    lines.push(...chargeNotes(details, fee.currency, fee.units));
  }
  const rate = new Dec(fee.taxes_rate ?? '0');
  return {
    description: fee.invoice_display_name ?? fee.item_name,
    details: lines,
    units: formatUnits(fee.units),
    unitPrice: unitPriceOf(fee, details),
    taxRate: rate.isZero() ? '—' : formatRate(fee.taxes_rate),
    amount: formatMoney(fee.amount_cents, fee.currency),
    tables: chargeTables(details, fee.currency),
  };
}

// ---- totals --------------------------------------------------------------------------------

interface AppliedTax {
  tax_code?: string;
  tax_name?: string | null;
  tax_rate?: number | string;
  amount_cents?: number | string;
  fees_amount_cents?: number | string;
}

function invoiceTotals(invoice: InvoiceRow): TotalView[] {
  const c = invoice.currency;
  const totals: TotalView[] = [];
  const progressive = invoice.progressive_billing_credit_amount_cents ?? 0n;
  if (invoice.coupons_amount_cents !== 0n || progressive !== 0n) {
    totals.push({ label: 'Subtotal', value: formatMoney(invoice.fees_amount_cents, c) });
    // What the period's progressive invoices billed already (issue 15).
    if (progressive !== 0n) totals.push({ label: 'Usage already billed', value: formatMoney(-progressive, c) });
    if (invoice.coupons_amount_cents !== 0n) totals.push({ label: 'Coupons', value: formatMoney(-invoice.coupons_amount_cents, c) });
  }
  totals.push({ label: 'Total excluding tax', value: formatMoney(invoice.sub_total_excluding_taxes_amount_cents, c) });
  for (const tax of (invoice.applied_taxes ?? []) as AppliedTax[]) {
    const name = tax.tax_name ?? tax.tax_code ?? 'Tax';
    const base = tax.fees_amount_cents !== undefined ? `on ${formatMoney(BigInt(tax.fees_amount_cents), c)}` : undefined;
    totals.push({ label: `${name} (${formatRate(tax.tax_rate ?? 0)})`, note: base, value: formatMoney(BigInt(tax.amount_cents ?? 0), c) });
  }
  if ((invoice.applied_taxes ?? []).length === 0) totals.push({ label: 'Tax', value: formatMoney(invoice.taxes_amount_cents, c) });
  const deductions = invoice.credit_notes_amount_cents !== 0n || invoice.prepaid_credit_amount_cents !== 0n;
  if (deductions) totals.push({ label: 'Total including tax', value: formatMoney(invoice.sub_total_including_taxes_amount_cents, c) });
  if (invoice.credit_notes_amount_cents !== 0n) totals.push({ label: 'Credit notes', value: formatMoney(-invoice.credit_notes_amount_cents, c) });
  if (invoice.prepaid_credit_amount_cents !== 0n) totals.push({ label: 'Prepaid credits', value: formatMoney(-invoice.prepaid_credit_amount_cents, c) });
  totals.push({ label: invoice.status === 'voided' ? 'Total (void)' : 'Total due', value: formatMoney(invoice.total_amount_cents, c), strong: true });
  return totals;
}

function stampOf(invoice: InvoiceRow): string | null {
  if (invoice.status === 'voided') return 'VOID';
  if (invoice.status === 'draft') return 'DRAFT';
  if (invoice.payment_status === 'succeeded' && invoice.total_amount_cents > 0n) return 'PAID';
  return null;
}

export interface InvoiceViewInput {
  invoice: InvoiceRow;
  fees: FeeRow[];
  organization: OrganizationRow;
  customer: CustomerRow;
  timezone: string;
  /** Subscription id → how to name it on the fee line (its name or external id). */
  subscriptionNames?: Map<string, string>;
  logo: string | null;
  paperSize: PaperSize;
}

export function buildInvoiceView(input: InvoiceViewInput): DocumentView {
  const { invoice, organization, customer, timezone } = input;
  const subscriptionNames = input.subscriptionNames ?? new Map<string, string>();
  const facts = [
    { label: 'Invoice number', value: invoice.number },
    { label: 'Issue date', value: formatDate(invoice.issuing_date) },
    { label: 'Due date', value: dueDateText(invoice) },
    ...periodFacts(invoice, timezone),
    { label: 'Currency', value: invoice.currency },
  ];
  const ordered = [...input.fees].sort((a, b) => feeOrder(a) - feeOrder(b));
  return {
    title: 'Invoice',
    number: invoice.number,
    stamp: stampOf(invoice),
    paperSize: input.paperSize,
    logo: input.logo,
    issuer: issuerView(organization),
    billTo: customerPartyView(customer),
    facts,
    lines: ordered.map((fee) => feeLine(fee, timezone, subscriptionNames)),
    totals: invoiceTotals(invoice),
    footer: organization.invoice_footer,
    legal: legalLines(organization),
    pageFooter: `${organization.legal_name ?? organization.name} · Invoice ${invoice.number}`,
  };
}

function feeOrder(fee: FeeRow): number {
  return fee.fee_type === 'subscription' ? 0 : fee.fee_type === 'charge' ? 1 : 2;
}
