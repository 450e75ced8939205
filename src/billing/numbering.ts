/**
 * Document numbers (reference/lago-api.md §6). The sequences come from a row-locked counter in the
 * database (gapless, assigned at finalization); this module only formats them.
 *
 * - prefix (default): first 3 letters or digits of the organization name, upper-cased, "-", last
 *   4 characters of its id, upper-cased: "Lago" + "…1a2b" → `LAG-1A2B`
 * - per customer:     `<PREFIX>-<customer seq %03d>-<invoice seq %03d>`  `LAG-1A2B-005-001`
 * - per organization: `<PREFIX>-<YYYYMM of the issuing date>-<seq %03d>`  `LAG-1A2B-202702-042`
 * - draft:            `<PREFIX>-DRAFT`
 * - customer slug:    `<PREFIX>-<seq %03d>`
 * - credit note:      `<invoice number>-CN<seq %03d>`
 * `%03d` pads to three digits and grows beyond: 7 → `007`, 1234 → `1234`.
 */
import { parseLocalDate, type LocalDate } from './calendar';

export type DocumentNumbering = 'per_customer' | 'per_organization';
export const DOCUMENT_NUMBERINGS: readonly DocumentNumbering[] = ['per_customer', 'per_organization'];

/** A sequential id: a positive integer, as a JS number or a bigint (Postgres bigint). */
export type SequentialId = number | bigint;

/** `%03d` of a positive sequential id. */
export function formatSequence(sequence: SequentialId): string {
  const valid = typeof sequence === 'bigint' ? sequence >= 1n : Number.isSafeInteger(sequence) && sequence >= 1;
  if (!valid) throw new RangeError(`A sequential id is a positive integer, not ${String(sequence)}`);
  return sequence.toString().padStart(3, '0');
}

/**
 * The default document prefix. Lago takes the name's first 3 characters; Billow skips spaces and
 * punctuation so the prefix stays one token ("A.B. Corp" → `ABC`, not `A.B`). A name without any
 * letter or digit gives `ORG`.
 */
export function defaultDocumentPrefix(organizationName: string, organizationId: string): string {
  const letters = [...organizationName.toUpperCase()].filter((c) => /[\p{L}\p{N}]/u.test(c)).slice(0, 3).join('');
  const idTail = [...organizationId].slice(-4).join('').toUpperCase();
  if (idTail.length === 0) throw new RangeError('The organization id is empty');
  return `${letters || 'ORG'}-${idTail}`;
}

function requirePrefix(prefix: string): string {
  if (prefix.length === 0) throw new RangeError('The document prefix is empty');
  return prefix;
}

export function customerSlug(prefix: string, customerSequentialId: SequentialId): string {
  return `${requirePrefix(prefix)}-${formatSequence(customerSequentialId)}`;
}

export function draftInvoiceNumber(prefix: string): string {
  return `${requirePrefix(prefix)}-DRAFT`;
}

export function perCustomerInvoiceNumber(
  prefix: string,
  customerSequentialId: SequentialId,
  invoiceSequentialId: SequentialId,
): string {
  return `${requirePrefix(prefix)}-${formatSequence(customerSequentialId)}-${formatSequence(invoiceSequentialId)}`;
}

/** `issuingDate` is the invoice's issuing date in the organization's timezone. */
export function perOrganizationInvoiceNumber(
  prefix: string,
  issuingDate: LocalDate,
  organizationSequentialId: SequentialId,
): string {
  const { year, month } = parseLocalDate(issuingDate);
  const yyyymm = `${String(year).padStart(4, '0')}${String(month).padStart(2, '0')}`;
  return `${requirePrefix(prefix)}-${yyyymm}-${formatSequence(organizationSequentialId)}`;
}

export interface InvoiceNumberInput {
  prefix: string;
  mode: DocumentNumbering;
  customerSequentialId: SequentialId;
  /** The customer's invoice sequence (per customer) or the organization's (per organization). */
  invoiceSequentialId: SequentialId;
  issuingDate: LocalDate;
}

export function formatInvoiceNumber(input: InvoiceNumberInput): string {
  switch (input.mode) {
    case 'per_customer':
      return perCustomerInvoiceNumber(input.prefix, input.customerSequentialId, input.invoiceSequentialId);
    case 'per_organization':
      return perOrganizationInvoiceNumber(input.prefix, input.issuingDate, input.invoiceSequentialId);
    default: {
      const unknown: never = input.mode;
      throw new RangeError(`Unknown document numbering ${String(unknown)}`);
    }
  }
}

export function creditNoteNumber(invoiceNumber: string, creditNoteSequentialId: SequentialId): string {
  if (invoiceNumber.length === 0) throw new RangeError('The invoice number is empty');
  return `${invoiceNumber}-CN${formatSequence(creditNoteSequentialId)}`;
}
