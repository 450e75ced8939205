/**
 * What a credit note's document prints: the note against its invoice, one line per credited fee,
 * taxes per rate, the total and how it is settled (credited to the balance, refunded, offset).
 * Pure, like invoice-view.ts, and printed by the same template.
 */
import type { CreditNoteItemRow, CreditNoteRow } from '../db/credit-notes';
import type { FeeRow, InvoiceRow } from '../db/invoices';
import type { OrganizationRow } from '../db/organizations';
import type { CustomerRow } from '../db/customers';
import { formatDate, formatMoney, formatRate } from './format';
import { customerPartyView, issuerView, legalLines, type DocumentView, type PaperSize, type TotalView } from './invoice-view';

const REASONS: Record<string, string> = {
  duplicated_charge: 'Duplicated charge',
  product_unsatisfactory: 'Product unsatisfactory',
  order_change: 'Order change',
  order_cancellation: 'Order cancellation',
  fraudulent_charge: 'Fraudulent charge',
  other: 'Other',
};

interface StoredTax {
  tax_code?: string | null;
  tax_name?: string | null;
  tax_rate?: number | string;
  amount_cents?: number | string;
  base_amount_cents?: number | string;
}

export interface CreditNoteViewInput {
  creditNote: CreditNoteRow;
  items: CreditNoteItemRow[];
  fees: Map<string, FeeRow>;
  invoice: InvoiceRow;
  organization: OrganizationRow;
  customer: CustomerRow;
  logo: string | null;
  paperSize: PaperSize;
}

export function buildCreditNoteView(input: CreditNoteViewInput): DocumentView {
  const { creditNote: note, invoice, organization } = input;
  const c = note.currency;
  const totals: TotalView[] = [];
  if (note.coupons_adjustment_amount_cents !== 0n) totals.push({ label: 'Coupons adjustment', value: formatMoney(-note.coupons_adjustment_amount_cents, c) });
  totals.push({ label: 'Total excluding tax', value: formatMoney(note.sub_total_excluding_taxes_amount_cents, c) });
  for (const tax of (note.applied_taxes ?? []) as StoredTax[]) {
    const base = tax.base_amount_cents !== undefined ? `on ${formatMoney(BigInt(tax.base_amount_cents), c)}` : undefined;
    totals.push({ label: `${tax.tax_name ?? tax.tax_code ?? 'Tax'} (${formatRate(tax.tax_rate ?? 0)})`, note: base, value: formatMoney(BigInt(tax.amount_cents ?? 0), c) });
  }
  totals.push({ label: 'Total credited', value: formatMoney(note.total_amount_cents, c), strong: true });
  if (note.credit_amount_cents !== 0n) totals.push({ label: 'Credited to the customer balance', value: formatMoney(note.credit_amount_cents, c) });
  if (note.refund_amount_cents !== 0n) totals.push({ label: 'Refunded', value: formatMoney(note.refund_amount_cents, c) });
  if (note.offset_amount_cents !== 0n) totals.push({ label: 'Offset against the invoice', value: formatMoney(note.offset_amount_cents, c) });
  return {
    title: 'Credit note',
    number: note.number,
    stamp: note.credit_status === 'voided' ? 'VOID' : null,
    paperSize: input.paperSize,
    logo: input.logo,
    issuer: issuerView(organization),
    billTo: customerPartyView(input.customer),
    facts: [
      { label: 'Credit note number', value: note.number },
      { label: 'Issue date', value: formatDate(note.issuing_date) },
      { label: 'Invoice', value: `${invoice.number} of ${formatDate(invoice.issuing_date)}` },
      { label: 'Reason', value: REASONS[note.reason] ?? note.reason },
      { label: 'Currency', value: c },
    ],
    lines: input.items.map((item) => {
      const fee = input.fees.get(item.fee_id);
      return {
        description: fee ? fee.invoice_display_name ?? fee.item_name : 'Fee',
        details: note.description ? [note.description] : [],
        units: '',
        unitPrice: '',
        taxRate: fee && Number(fee.taxes_rate) !== 0 ? formatRate(fee.taxes_rate) : '—',
        amount: formatMoney(item.amount_cents, c),
        tables: [],
      };
    }),
    totals,
    footer: organization.invoice_footer,
    legal: legalLines(organization),
    pageFooter: `${organization.legal_name ?? organization.name} · Credit note ${note.number}`,
  };
}
