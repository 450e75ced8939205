import {
  creditNoteNumber, customerSlug, defaultDocumentPrefix, draftInvoiceNumber, formatInvoiceNumber, formatSequence,
  perCustomerInvoiceNumber, perOrganizationInvoiceNumber,
} from '../../src/billing/numbering';

describe('document numbering', () => {
  it('builds the default prefix from the name and the id', () => {
    // "Lago" → LAG, id ending 1a2b → 1A2B
    expect(defaultDocumentPrefix('Lago', 'd4e5f6a7-0000-4000-8000-000000001a2b')).toBe('LAG-1A2B');
    expect(defaultDocumentPrefix('acme inc', '3f2c9b1e-6a1d-4c3b-9e0f-7a8b9c0dbeef')).toBe('ACM-BEEF');
    // spaces and punctuation skipped: "A.B. Corp" → ABC
    expect(defaultDocumentPrefix('A.B. Corp', 'x-12ab')).toBe('ABC-12AB');
    // short names keep what they have; digits count; no letter at all → ORG
    expect(defaultDocumentPrefix('Io', 'abcd')).toBe('IO-ABCD');
    expect(defaultDocumentPrefix('3M Company', 'ffff')).toBe('3MC-FFFF');
    expect(defaultDocumentPrefix('!!!', 'ab')).toBe('ORG-AB');
    expect(defaultDocumentPrefix('École', '0001')).toBe('ÉCO-0001');
    expect(() => defaultDocumentPrefix('Lago', '')).toThrow(RangeError);
  });

  it('pads sequences to three digits and lets them grow', () => {
    expect(formatSequence(1)).toBe('001');
    expect(formatSequence(42n)).toBe('042');
    expect(formatSequence(1234)).toBe('1234');
    for (const bad of [0, -1, 1.5, 0n, Number.NaN]) expect(() => formatSequence(bad)).toThrow(RangeError);
  });

  it('numbers invoices per customer and per organization', () => {
    // customer 5, its first invoice
    expect(perCustomerInvoiceNumber('LAG-1A2B', 5, 1)).toBe('LAG-1A2B-005-001');
    // issued in February 2027, 42nd of the organization
    expect(perOrganizationInvoiceNumber('LAG-1A2B', '2027-02-19', 42n)).toBe('LAG-1A2B-202702-042');
    expect(
      formatInvoiceNumber({ prefix: 'BIL-0001', mode: 'per_customer', customerSequentialId: 1n, invoiceSequentialId: 2n, issuingDate: '2027-02-19' }),
    ).toBe('BIL-0001-001-002');
    expect(
      formatInvoiceNumber({ prefix: 'BIL-0001', mode: 'per_organization', customerSequentialId: 1n, invoiceSequentialId: 7n, issuingDate: '2027-12-31' }),
    ).toBe('BIL-0001-202712-007');
    expect(() =>
      formatInvoiceNumber({ prefix: 'X', mode: 'weird' as never, customerSequentialId: 1, invoiceSequentialId: 1, issuingDate: '2027-01-01' }),
    ).toThrow(/Unknown/);
    expect(() => perOrganizationInvoiceNumber('X', '2027-13-01', 1)).toThrow(RangeError);
    expect(() => perCustomerInvoiceNumber('', 1, 1)).toThrow(/prefix/);
  });

  it('formats drafts, customer slugs and credit notes', () => {
    expect(draftInvoiceNumber('LAG-1A2B')).toBe('LAG-1A2B-DRAFT');
    expect(customerSlug('LAG-1A2B', 12)).toBe('LAG-1A2B-012');
    expect(creditNoteNumber('LAG-1A2B-005-001', 1)).toBe('LAG-1A2B-005-001-CN001');
    expect(() => creditNoteNumber('', 1)).toThrow(RangeError);
  });
});
