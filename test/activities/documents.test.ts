/**
 * Invoice PDFs with the real Chromium: the walkthrough invoices render with every name, date and
 * number a finance team checks; rendering is idempotent, survives a killed browser, records
 * `invoice.generated`; the download endpoints serve the file to its organization only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { silentLogger } from '../support/temporal';
import { mediaBoxes, pdfText } from '../support/pdf-text';
import { acmeCustomer, airbnbCustomer, hybridInvoice1, hybridInvoice3, seatsInvoice1 } from '../support/walkthrough-invoices';
import { documentActivities } from '../../src/activities/documents';
import { ChromiumPdfRenderer } from '../../src/documents/pdf-renderer';
import { pdfBrowser } from '../../src/documents/pdf-browser';
import { loadConfig } from '../../src/runtime/config';
import { filesystemDocumentStore } from '../../src/documents/storage';
import type { DocumentServices } from '../../src/documents';
import { buildApp } from '../../src/api/app';
import type { OrganizationRow } from '../../src/db/organizations';
import type { InvoiceRow } from '../../src/db/invoices';
import { invoiceWebhookObject } from '../../src/services/invoicing/invoice-presenter';

let database: TestDatabase;
let docs: DocumentServices;
let renderer: ChromiumPdfRenderer;
let documentsDir: string;
let organization: OrganizationRow;
let apiKey: string;
let otherKey: string;
const invoices: Record<string, InvoiceRow> = {};

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  ({ organization, apiKey } = await createTestOrganization(db, 'Docs Org'));
  ({ apiKey: otherKey } = await createTestOrganization(db, 'Other Org'));
  const acme = await acmeCustomer(db, organization);
  const airbnb = await airbnbCustomer(db, organization);
  invoices.hybrid1 = await hybridInvoice1(db, organization, acme);
  invoices.hybrid3 = await hybridInvoice3(db, organization, acme);
  invoices.seats1 = await seatsInvoice1(db, organization, airbnb);
  invoices.draft = await hybridInvoice1(db, organization, acme, 'draft');
  documentsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-documents-'));
  // The browser the product renders with (the headless shell where installed); the outbox and
  // webhook tests render on the full browser (CHROMIUM_PATH).
  renderer = new ChromiumPdfRenderer({ ...pdfBrowser(loadConfig()), poolSize: 2 });
  docs = { renderer, store: filesystemDocumentStore(documentsDir), publicUrl: 'http://billow.test' };
});

afterAll(async () => {
  await renderer?.close();
  if (documentsDir) fs.rmSync(documentsDir, { recursive: true, force: true });
  await database?.drop();
});

const env = () => new MockActivityEnvironment(undefined, { logger: silentLogger });
const generate = (invoice: InvoiceRow) =>
  env().run(documentActivities({ db: database.db, documents: docs }).generateDocument, { organizationId: organization.id, documentType: 'invoice' as const, id: invoice.id });

async function storedPdf(invoice: InvoiceRow): Promise<Buffer> {
  const row = await database.db<InvoiceRow>('invoices').where({ id: invoice.id }).first();
  expect(row!.file_path).toBe(`invoices/${organization.id}/${invoice.id}.pdf`);
  return fs.readFileSync(path.join(documentsDir, row!.file_path!));
}

it('hybrid invoice 1: organization, footer, customer, number, period, the fee, VAT 12.5 % and 135.00', async () => {
  expect(await generate(invoices.hybrid1!)).toEqual({ filePath: `invoices/${organization.id}/${invoices.hybrid1!.id}.pdf` });
  const { text, totalPages } = await pdfText(await storedPdf(invoices.hybrid1!));
  expect(totalPages).toBe(1);
  for (const expected of [
    'Docs Org SAS', '5 rue de la Paix', '75002 Paris', 'France', // the organization (createTestOrganization)
    'Billow test footer',
    'Acme Corporation', 'Cupertino, CA 95014', 'Customer ID: acme',
    invoices.hybrid1!.number,
    'Issue date Jan 19, 2027', 'Due date Feb 18, 2027 (net 30 days)', 'Billing period Jan 19, 2027 – Feb 18, 2027',
    // the fee: units 1, unit price 120.00, tax 12.5 %, amount 120.00 (12000 cents)
    'Team', 'Jan 19, 2027 – Feb 18, 2027', '1 $120.00 12.5 % $120.00',
    'Total excluding tax $120.00',
    'VAT (12.5 %) on $120.00 $15.00', // 12000 × 12.5 % = 1500
    'Total due $135.00', // 12000 + 1500 = 13500
  ]) expect(text).toContain(expected);
});

it('hybrid invoice 3: the MTU charge with its graduated tiers, VAT 43.75 and 393.75', async () => {
  await generate(invoices.hybrid3!);
  const { text } = await pdfText(await storedPdf(invoices.hybrid3!));
  for (const expected of [
    invoices.hybrid3!.number, 'Issue date Mar 19, 2027', 'Billing period Mar 19, 2027 – Apr 18, 2027',
    'Team', 'Mar 19, 2027 – Apr 18, 2027', '1 $120.00 12.5 % $120.00',
    'Monthly Tracked Users', 'Feb 19, 2027 – Mar 18, 2027', '30,000 tiered 12.5 % $230.00',
    // tiers: 10,000 × 0; 15,000 × 0.012 = 180.00; 5,000 × 0.01 = 50.00
    '0 – 10,000 10,000 $0.00 $0.00 $0.00',
    '10,001 – 25,000 15,000 $0.012 $0.00 $180.00',
    '25,001 and above 5,000 $0.01 $0.00 $50.00',
    'Total excluding tax $350.00', // 12000 + 23000
    'VAT (12.5 %) on $350.00 $43.75', // 35000 × 12.5 % = 4375
    'Total due $393.75', // 35000 + 4375 = 39375
    'Billow test footer',
  ]) expect(text).toContain(expected);
});

it('per-seat invoice 1: 2 seats at 8.25, the seat history with days billed, 16.77 EUR', async () => {
  await generate(invoices.seats1!);
  const { text } = await pdfText(await storedPdf(invoices.seats1!));
  for (const expected of [
    'Airbnb', 'Customer ID: airbnb', 'Due date Feb 19, 2027 (due on receipt)',
    'Seats', 'Jan 19, 2027 – Feb 18, 2027', '2 €8.25 — €16.77',
    'Billed: 2.03226 units × €8.25', // 63/31 = 2.03226
    '63 seat-days over a 31-day period', // 31 + 16 + 16
    'seat_1 Jan 19, 2027 — 31',
    'seat_3 Jan 19, 2027 Feb 3, 2027 16',
    'seat_2 Feb 3, 2027 — 16',
    'Total due €16.77', // 8.25 × 63/31 = 16.7661 → 1677
  ]) expect(text).toContain(expected);
});

it('renders once: a second run keeps the file, and invoice.generated is recorded once with file_url', async () => {
  const before = fs.statSync(path.join(documentsDir, `invoices/${organization.id}/${invoices.hybrid1!.id}.pdf`)).mtimeMs;
  await generate(invoices.hybrid1!);
  expect(fs.statSync(path.join(documentsDir, `invoices/${organization.id}/${invoices.hybrid1!.id}.pdf`)).mtimeMs).toBe(before);
  const events = await database.db('webhook_events').where({ organization_id: organization.id, webhook_type: 'invoice.generated', object_id: invoices.hybrid1!.id });
  expect(events).toHaveLength(1);
  expect(events[0].payload).toMatchObject({
    webhook_type: 'invoice.generated',
    object_type: 'invoice',
    organization_id: organization.id,
    invoice: { lago_id: invoices.hybrid1!.id, number: invoices.hybrid1!.number, total_amount_cents: 13500, file_url: `http://billow.test/api/v1/invoices/${invoices.hybrid1!.id}/pdf` },
  });
  // insertInvoiceOnce recorded invoice.created in the invoice's own transaction, without a file yet.
  const created = await database.db('webhook_events').where({ webhook_type: 'invoice.created', object_id: invoices.hybrid1!.id });
  expect(created).toHaveLength(1);
  expect(created[0].payload.invoice).toMatchObject({ total_amount_cents: 13500, file_url: null });
  expect(created[0].payload.invoice.fees).toHaveLength(1);
});

it('invoice.generated carries the invoice as a fresh read presents it, though it reuses what the render read', async () => {
  await generate(invoices.hybrid3!);
  const [event] = await database.db('webhook_events').where({ webhook_type: 'invoice.generated', object_id: invoices.hybrid3!.id });
  const row = (await database.db<InvoiceRow>('invoices').where({ id: invoices.hybrid3!.id }).first())!;
  const fresh = JSON.parse(JSON.stringify(await invoiceWebhookObject(database.db, row, 'http://billow.test')));
  expect(event.payload.invoice).toEqual(fresh);
  // The fees read for the render, as presented: the subscription fee and the MTU charge (12000 + 23000).
  expect(event.payload.invoice.fees.map((fee: { amount_cents: number }) => fee.amount_cents).sort((a: number, b: number) => a - b)).toEqual([12000, 23000]);
  expect(event.payload.invoice.customer.external_id).toBe('acme');
});

it('drafts are never rendered', async () => {
  expect(await generate(invoices.draft!)).toEqual({ filePath: null, skipped: 'draft' });
  expect((await database.db('invoices').where({ id: invoices.draft!.id }).first()).file_path).toBeNull();
});

it('a killed browser is replaced: the next render works on a new one', async () => {
  const pid = renderer.browserPid();
  expect(pid).toEqual(expect.any(Number));
  process.kill(pid!, 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const pdf = await renderer.render('<p>after the crash</p>', { paperSize: 'A4' });
  expect((await pdfText(pdf)).text).toContain('after the crash');
  expect(renderer.browserPid()).not.toBe(pid);
  // And concurrent renders through the pool (2 pages) still work on the new browser.
  const many = await Promise.all([1, 2, 3, 4, 5].map((n) => renderer.render(`<p>document ${n}</p>`, { paperSize: 'Letter' })));
  expect(many.every((bytes) => Buffer.from(bytes.subarray(0, 5)).toString() === '%PDF-')).toBe(true);
});

describe('download endpoints', () => {
  const app = () => buildApp({ db: database.db, workflows: {} as never, clock: { now: async () => Date.now() }, publicUrl: 'http://billow.test', documents: docs });
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  it('POST /invoices/:id/download renders a missing PDF and answers the invoice with its file_url', async () => {
    await database.db('invoices').where({ id: invoices.hybrid3!.id }).update({ file_path: null });
    const response = await request(app()).post(`/api/v1/invoices/${invoices.hybrid3!.id}/download`).set(as(apiKey)).expect(200);
    expect(response.body.invoice).toMatchObject({
      lago_id: invoices.hybrid3!.id,
      total_amount_cents: 39375,
      file_url: `http://billow.test/api/v1/invoices/${invoices.hybrid3!.id}/pdf`,
    });
    expect(response.body.invoice.fees).toHaveLength(2);
    // GET /invoices/:id and the list show the same file_url.
    const shown = await request(app()).get(`/api/v1/invoices/${invoices.hybrid3!.id}`).set(as(apiKey)).expect(200);
    expect(shown.body.invoice.file_url).toBe(`http://billow.test/api/v1/invoices/${invoices.hybrid3!.id}/pdf`);
    const draft = await request(app()).get(`/api/v1/invoices/${invoices.draft!.id}`).set(as(apiKey)).expect(200);
    expect(draft.body.invoice.file_url).toBeNull();
  });

  it('GET file_url serves the PDF (A4 for a French organization, Letter on request)', async () => {
    const pdf = await request(app()).get(`/api/v1/invoices/${invoices.hybrid3!.id}/pdf`).set(as(apiKey)).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    }).expect(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toBe(`inline; filename="${invoices.hybrid3!.number}.pdf"`);
    const body = pdf.body as Buffer;
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');
    // A4 = 210 × 297 mm ≈ 595.3 × 841.9 pt (Chromium prints it as 8.27 × 11.7 in = 595.4 × 842.4)
    const [width, height] = mediaBoxes(body)[0]!;
    expect(Math.abs(width - 595.3)).toBeLessThan(1);
    expect(Math.abs(height - 841.9)).toBeLessThan(1);

    const letter = await request(app()).get(`/api/v1/invoices/${invoices.hybrid3!.id}/pdf?paper_size=letter`).set(as(apiKey)).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    }).expect(200);
    expect(mediaBoxes(letter.body as Buffer)[0]).toEqual([612, 792]); // 8.5 × 11 in = 612 × 792 pt
    expect((await pdfText(letter.body as Buffer)).text).toContain('Total due $393.75');

    const invalid = await request(app()).get(`/api/v1/invoices/${invoices.hybrid3!.id}/pdf?paper_size=a5`).set(as(apiKey)).expect(422);
    expect(invalid.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { paper_size: ['value_is_invalid'] } });
  });

  it('credit notes have a document too: the credited fee, VAT and how it is settled', async () => {
    const fee = await database.db('fees').where({ invoice_id: invoices.hybrid1!.id }).first();
    const created = await request(app()).post('/api/v1/credit_notes').set(as(apiKey)).send({
      credit_note: { invoice_id: invoices.hybrid1!.id, reason: 'order_change', description: 'Half a month unused', credit_amount_cents: 6750, refund_amount_cents: 0, items: [{ fee_id: fee.id, amount_cents: 6000 }] },
    }).expect(200);
    const note = created.body.credit_note;
    const downloaded = await request(app()).post(`/api/v1/credit_notes/${note.lago_id}/download`).set(as(apiKey)).expect(200);
    expect(downloaded.body.credit_note).toMatchObject({ lago_id: note.lago_id, total_amount_cents: 6750, file_url: `http://billow.test/api/v1/credit_notes/${note.lago_id}/pdf` });
    const pdf = await request(app()).get(`/api/v1/credit_notes/${note.lago_id}/pdf`).set(as(apiKey)).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    }).expect(200);
    const { text } = await pdfText(pdf.body as Buffer);
    for (const expected of [
      'CREDIT NOTE', note.number, `Invoice ${invoices.hybrid1!.number} of Jan 19, 2027`, 'Reason Order change',
      'Team', 'Half a month unused', '$60.00',
      'VAT (12.5 %) on $60.00 $7.50', // 6000 × 12.5 % = 750
      'Total credited $67.50', 'Credited to the customer balance $67.50',
      'Docs Org SAS', 'Billow test footer',
    ]) expect(text).toContain(expected);
    const generated = await database.db('webhook_events').where({ webhook_type: 'credit_note.generated', object_id: note.lago_id });
    expect(generated).toHaveLength(1);
    expect(generated[0].payload.credit_note.file_url).toBe(`http://billow.test/api/v1/credit_notes/${note.lago_id}/pdf`);
    await request(app()).post(`/api/v1/credit_notes/${note.lago_id}/download`).set(as(otherKey)).expect(404);
  });

  it('a draft has no document (405 is_draft); another organization gets 404; no key gets 401', async () => {
    const draft = await request(app()).post(`/api/v1/invoices/${invoices.draft!.id}/download`).set(as(apiKey)).expect(405);
    expect(draft.body).toEqual({ status: 405, error: 'Method Not Allowed', code: 'is_draft' });
    for (const url of [`/api/v1/invoices/${invoices.hybrid1!.id}/pdf`, `/api/v1/invoices/${invoices.hybrid1!.id}/download`]) {
      const method = url.endsWith('/pdf') ? 'get' : 'post';
      const response = await request(app())[method](url).set(as(otherKey)).expect(404);
      expect(response.body).toEqual({ status: 404, error: 'Not Found', code: 'invoice_not_found' });
    }
    await request(app()).get(`/api/v1/invoices/${invoices.hybrid1!.id}/pdf`).expect(401);
    await request(app()).get('/api/v1/invoices/not-a-uuid/pdf').set(as(apiKey)).expect(404);
  });
});
