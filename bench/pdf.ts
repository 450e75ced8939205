/**
 * Invoice PDF throughput: N invoices (the hybrid walkthrough's invoice 3) rendered through the
 * renderer's page pool, beside the raw Chromium rate for the same page (one page, setContent +
 * pdf in a loop) in the same run, on the same browser flags.
 *   npm run bench:pdf [-- --count 200 --pool 2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_FLAGS, ChromiumPdfRenderer } from '../src/documents/pdf-renderer';
import { buildInvoiceView } from '../src/documents/invoice-view';
import { pageFooterHtml, renderDocumentHtml } from '../src/documents/invoice-template';
import { hybridInvoice3 } from '../src/documents/samples';

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};

const count = argument('count', 200);
const poolSize = argument('pool', 2);
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function raw(html: string, footer: string): Promise<number> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-bench-'));
  const browser = await puppeteer.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, userDataDir: profile, pipe: true });
  try {
    const page = await browser.newPage();
    const once = async () => {
      await page.setContent(html, { waitUntil: 'load' });
      await page.pdf({ format: 'A4', printBackground: true, displayHeaderFooter: true, headerTemplate: '<span></span>', footerTemplate: footer, margin: { top: '14mm', bottom: '18mm', left: '14mm', right: '14mm' } });
    };
    await once(); // warm-up
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) await once();
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function pooled(): Promise<number> {
  const renderer = new ChromiumPdfRenderer({ executablePath, poolSize });
  const sample = hybridInvoice3();
  try {
    const renderOne = () => {
      // What the render activity does per invoice: build the view, the HTML, then the PDF.
      const view = buildInvoiceView({ ...sample, paperSize: 'A4' });
      return renderer.render(renderDocumentHtml(view), { paperSize: view.paperSize, footerHtml: pageFooterHtml(view) });
    };
    await Promise.all(Array.from({ length: poolSize }, renderOne)); // warm-up: launch, one page per slot
    const started = process.hrtime.bigint();
    let next = 0;
    await Promise.all(Array.from({ length: poolSize * 2 }, async () => {
      while (next < count) {
        next++;
        await renderOne();
      }
    }));
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    await renderer.close();
  }
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  const view = buildInvoiceView({ ...hybridInvoice3(), paperSize: 'A4' });
  const html = renderDocumentHtml(view);
  const footer = pageFooterHtml(view);
  process.stdout.write(`Rendering ${count} invoices (${html.length} bytes of HTML) on ${os.cpus().length} CPUs, Chromium ${executablePath}\n`);
  const rawSeconds = await raw(html, footer);
  const poolSeconds = await pooled();
  const rate = (seconds: number) => (count / seconds).toFixed(1);
  process.stdout.write(`raw Chromium, 1 page, setContent + pdf:  ${rate(rawSeconds)} invoices/s (${((rawSeconds / count) * 1000).toFixed(1)} ms each)\n`);
  process.stdout.write(`Billow renderer, pool of ${poolSize} pages:      ${rate(poolSeconds)} invoices/s (${((poolSeconds / count) * 1000).toFixed(1)} ms each, view + HTML + PDF)\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
