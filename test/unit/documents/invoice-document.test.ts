/** Invoice documents without Chromium: number formats per currency, the view, escaping. */
import { formatDate, formatMoney, formatRate, formatUnitPrice, formatUnits } from '../../../src/documents/format';
import { buildInvoiceView, paperSizeOf } from '../../../src/documents/invoice-view';
import { escapeHtml, renderDocumentHtml } from '../../../src/documents/invoice-template';
import { hybridInvoice3, sampleOrganization, seatsInvoice1 } from '../../../src/documents/samples';

describe('amounts follow the currency exponent', () => {
  it.each([
    [13500n, 'USD', '$135.00'],
    [39375n, 'USD', '$393.75'],
    [1677n, 'EUR', '€16.77'],
    [1200n, 'JPY', '¥1,200'], // JPY has no minor unit: 1200 yen
    [1234n, 'KWD', 'KWD 1.234'], // KWD has 3 decimals: 1234 fils = 1.234 dinar
    [123456789n, 'USD', '$1,234,567.89'],
    [-500n, 'USD', '−$5.00'],
    [0n, 'USD', '$0.00'],
  ])('%s %s → %s', (cents, currency, expected) => {
    expect(formatMoney(cents, currency)).toBe(expected);
  });

  it('unit prices keep the decimals they carry, at least the exponent', () => {
    expect(formatUnitPrice('0.012', 'USD')).toBe('$0.012');
    expect(formatUnitPrice('8.25', 'EUR')).toBe('€8.25');
    expect(formatUnitPrice('120', 'USD')).toBe('$120.00');
    expect(formatUnitPrice('5', 'JPY')).toBe('¥5');
    expect(formatUnitPrice('0.5', 'KWD')).toBe('KWD 0.500');
  });

  it('units, rates and dates', () => {
    expect(formatUnits('30000')).toBe('30,000');
    expect(formatUnits('2.032260000000000')).toBe('2.03226');
    expect(formatRate('12.5')).toBe('12.5 %');
    expect(formatRate('20.0')).toBe('20 %');
    expect(formatDate('2027-01-19')).toBe('Jan 19, 2027');
    expect(formatDate('2027-12-01')).toBe('Dec 1, 2027');
  });
});

describe('the view of the walkthrough invoices', () => {
  it('hybrid invoice 3: two fees, the graduated tiers, VAT 12.5 % and 393.75 due', () => {
    const view = buildInvoiceView({ ...hybridInvoice3(), paperSize: 'A4' });
    expect(view.lines.map((line) => [line.description, line.units, line.unitPrice, line.amount])).toEqual([
      ['Team', '1', '$120.00', '$120.00'],
      ['Monthly Tracked Users', '30,000', 'tiered', '$230.00'],
    ]);
    // 15,000 × 0.012 = 180.00 and 5,000 × 0.01 = 50.00
    expect(view.lines[1]!.tables[0]!.rows).toEqual([
      ['0 – 10,000', '10,000', '$0.00', '$0.00', '$0.00'],
      ['10,001 – 25,000', '15,000', '$0.012', '$0.00', '$180.00'],
      ['25,001 and above', '5,000', '$0.01', '$0.00', '$50.00'],
    ]);
    expect(view.totals).toEqual([
      { label: 'Total excluding tax', value: '$350.00' },
      { label: 'VAT (12.5 %)', note: 'on $350.00', value: '$43.75' },
      { label: 'Total due', value: '$393.75', strong: true },
    ]);
    expect(view.facts).toContainEqual({ label: 'Billing period', value: 'Mar 19, 2027 – Apr 18, 2027' });
    expect(view.facts).toContainEqual({ label: 'Due date', value: 'Apr 18, 2027 (net 30 days)' });
    expect(view.issuer.lines).toContain('San Francisco, CA 94105');
  });

  it('seats invoice 1: the seat history with the days billed, 63 seat-days, 16.77', () => {
    const view = buildInvoiceView({ ...seatsInvoice1(), paperSize: 'A4' });
    const [line] = view.lines;
    expect(line!.units).toBe('2');
    expect(line!.unitPrice).toBe('€8.25');
    expect(line!.amount).toBe('€16.77');
    // 31 + 16 + 16 = 63 seat-days; 63/31 = 2.03226 billed units
    expect(line!.details).toEqual(expect.arrayContaining(['Billed: 2.03226 units × €8.25', '63 seat-days over a 31-day period']));
    expect(line!.tables[0]!.rows).toEqual([
      ['seat_1', 'Jan 19, 2027', '—', '31'],
      ['seat_3', 'Jan 19, 2027', 'Feb 3, 2027', '16'],
      ['seat_2', 'Feb 3, 2027', '—', '16'],
    ]);
    expect(view.totals.at(-1)).toEqual({ label: 'Total due', value: '€16.77', strong: true });
  });

  it("the customer's metadata marked display_in_invoice is printed under the bill-to address, the rest is not", () => {
    const sample = hybridInvoice3();
    const customer = { ...sample.customer, metadata: [
      { key: 'Purchase Order', value: 'PO-42', display_in_invoice: true },
      { key: 'crm_id', value: 'internal-7', display_in_invoice: false },
      { key: 'segment', value: 'smb' },
    ] };
    const lines = buildInvoiceView({ ...sample, customer, paperSize: 'A4' }).billTo.lines;
    expect(lines).toContain('Purchase Order: PO-42');
    expect(lines.join('\n')).not.toMatch(/internal-7|smb/);
  });

  it('paper size: the organization setting, else Letter in North America and A4 elsewhere, a request overriding both', () => {
    expect(paperSizeOf({ country: 'US' })).toBe('Letter');
    expect(paperSizeOf({ country: 'FR' })).toBe('A4');
    expect(paperSizeOf({ country: 'FR', document_paper_size: 'Letter' })).toBe('Letter');
    expect(paperSizeOf({ country: 'US', document_paper_size: 'Letter' }, 'a4')).toBe('A4');
  });
});

describe('the template', () => {
  it('escapes every user-supplied string and embeds only data: images', () => {
    const sample = hybridInvoice3();
    const hostile = '<script>alert("x")</script> & <img src=http://evil>';
    const view = buildInvoiceView({
      ...sample,
      organization: sampleOrganization({ legal_name: hostile, invoice_footer: hostile }),
      customer: { ...sample.customer, legal_name: hostile },
      logo: 'https://evil.example/logo.png',
      paperSize: 'A4',
    });
    const html = renderDocumentHtml(view);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img src=http');
    expect(html).not.toContain('evil.example');
    expect(html).toContain(escapeHtml(hostile));
    expect(escapeHtml(`a<b>"c"&'d'`)).toBe('a&lt;b&gt;&quot;c&quot;&amp;&#39;d&#39;');
  });
});
