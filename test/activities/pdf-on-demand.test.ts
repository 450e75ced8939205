/**
 * `BILLOW_PDF_GENERATION=on_demand`: finalizing an invoice renders nothing (the relay marks its
 * document request handled and starts no workflow), and the first download renders the PDF, sets
 * `file_url` and records `invoice.generated` once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { seedCustomer, seedInvoice } from '../support/money';
import { relayDocumentRequests, type RelayDeps } from '../../src/webhooks/relay';
import { ChromiumPdfRenderer } from '../../src/documents/pdf-renderer';
import { filesystemDocumentStore } from '../../src/documents/storage';
import { downloadInvoice } from '../../src/services/invoicing';

const PUBLIC_URL = 'http://billow.test';
let database: TestDatabase;
let renderer: ChromiumPdfRenderer;
let documentsDir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  documentsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-on-demand-'));
  renderer = new ChromiumPdfRenderer({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', poolSize: 1 });
});

afterAll(async () => {
  await renderer?.close();
  await database?.drop();
  if (documentsDir) fs.rmSync(documentsDir, { recursive: true, force: true });
});

/** A Temporal client that must not be called: with PDFs on demand the relay starts nothing. */
const noStarts: RelayDeps['client'] = {
  workflow: { start: (async (type: string) => { throw new Error(`the relay started ${type}`); }) as never },
};

it('finalizing renders nothing; the first download renders the PDF, sets file_url and sends invoice.generated once', async () => {
  const { organization } = await createTestOrganization(database.db, 'On Demand Org');
  const invoices = [];
  for (let i = 0; i < 11; i += 1) {
    const customer = await seedCustomer(database.db, organization.id, `on-demand-${i}`);
    invoices.push((await seedInvoice(database.db, organization, customer, { fees: [{ amountCents: 1500n }] })).invoice);
  }
  const ids = invoices.map((invoice) => invoice.id);
  const pending = () => database.db('document_requests').whereIn('document_id', ids).whereNull('dispatched_at');
  expect(await pending()).toHaveLength(11); // each finalized invoice asked for its PDF

  // Eleven requests: a burst (10+) and more would start workflows with PDFs on finalize; here none.
  let handled = 0;
  for (let batch; (batch = await relayDocumentRequests({ db: database.db, client: noStarts, taskQueue: 'unused', pdfOnDemand: true })) > 0;) handled += batch;
  expect(handled).toBeGreaterThanOrEqual(11);
  expect(await pending()).toHaveLength(0);
  const rendered = await database.db('invoices').whereIn('id', ids).whereNotNull('file_path');
  expect(rendered).toHaveLength(0);
  expect(await database.db('webhook_events').whereIn('object_id', ids).where({ webhook_type: 'invoice.generated' })).toHaveLength(0);

  const documents = { renderer, store: filesystemDocumentStore(documentsDir), publicUrl: PUBLIC_URL };
  const first = await downloadInvoice(database.db, organization, invoices[0]!.id, { documents, publicUrl: PUBLIC_URL });
  expect(first.file_url).toMatch(/^http:\/\/billow\.test\/.+/);
  const stored = (await database.db('invoices').where({ id: invoices[0]!.id }).first()).file_path as string;
  expect(fs.readFileSync(path.join(documentsDir, stored)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const again = await downloadInvoice(database.db, organization, invoices[0]!.id, { documents, publicUrl: PUBLIC_URL });
  expect(again.file_url).toBe(first.file_url);
  expect(await database.db('webhook_events').where({ object_id: invoices[0]!.id, webhook_type: 'invoice.generated' })).toHaveLength(1);
  // The others are still unrendered: nothing was made for them.
  expect(await database.db('invoices').whereIn('id', ids).whereNotNull('file_path')).toHaveLength(1);
}, 120_000);
