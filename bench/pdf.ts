/**
 * Invoice PDF throughput and cost: N invoices (the hybrid walkthrough's invoice 3) rendered through
 * the renderer's page pool, and the raw Chromium rate for the same page (one page, setContent +
 * pdf in a loop), on each browser found: Chromium's headless shell and the full browser (the
 * renderer picks the shell when it can: src/documents/pdf-browser.ts). Per browser, the CPU its
 * processes spent per pooled PDF: in a month-end close every core is busy, so that is what a PDF
 * costs the close.
 *   npm run bench:pdf [-- --count 200 --pool 2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_FLAGS, ChromiumPdfRenderer } from '../src/documents/pdf-renderer';
import { DEBIAN_HEADLESS_SHELL, DEFAULT_CHROMIUM, type PdfBrowser } from '../src/documents/pdf-browser';
import { buildInvoiceView } from '../src/documents/invoice-view';
import { pageFooterHtml, renderDocumentHtml } from '../src/documents/invoice-template';
import { hybridInvoice3 } from '../src/documents/samples';
import { treeCpuSeconds } from './support/processes';

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};

const count = argument('count', 200);
const poolSize = argument('pool', 2);

/** The browsers to measure: the headless shell and the full browser, each if installed. */
function browsers(): PdfBrowser[] {
  const shell = process.env.CHROMIUM_HEADLESS_SHELL_PATH ?? DEBIAN_HEADLESS_SHELL;
  const full = process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM;
  return [{ executablePath: shell, headlessShell: true }, { executablePath: full, headlessShell: false }].filter(({ executablePath }) => fs.existsSync(executablePath));
}

async function raw(browserToUse: PdfBrowser, html: string, footer: string): Promise<number> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-bench-'));
  const browser = await puppeteer.launch({ executablePath: browserToUse.executablePath, headless: browserToUse.headlessShell ? 'shell' : true, args: CHROMIUM_FLAGS, userDataDir: profile, pipe: true });
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

/** Seconds for `count` PDFs through the renderer's pool, and the CPU seconds its browser's processes spent on them. */
async function pooled(browser: PdfBrowser): Promise<{ seconds: number; chromiumCpuSeconds: number }> {
  const renderer = new ChromiumPdfRenderer({ ...browser, poolSize });
  const sample = hybridInvoice3();
  try {
    const renderOne = () => {
      // What the render activity does per invoice: build the view, the HTML, then the PDF.
      const view = buildInvoiceView({ ...sample, paperSize: 'A4' });
      return renderer.render(renderDocumentHtml(view), { paperSize: view.paperSize, footerHtml: pageFooterHtml(view) });
    };
    await Promise.all(Array.from({ length: poolSize }, renderOne)); // warm-up: launch, one page per slot
    const chromium = { chromium: renderer.browserPid()! };
    const cpuBefore = treeCpuSeconds(chromium).chromium!;
    const started = process.hrtime.bigint();
    let next = 0;
    await Promise.all(Array.from({ length: poolSize * 2 }, async () => {
      while (next < count) {
        next++;
        await renderOne();
      }
    }));
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, chromiumCpuSeconds: treeCpuSeconds(chromium).chromium! - cpuBefore };
  } finally {
    await renderer.close();
  }
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  const view = buildInvoiceView({ ...hybridInvoice3(), paperSize: 'A4' });
  const html = renderDocumentHtml(view);
  const footer = pageFooterHtml(view);
  const found = browsers();
  if (found.length === 0) throw new Error('No Chromium found: install Debian\'s chromium-headless-shell or chromium, or set CHROMIUM_HEADLESS_SHELL_PATH or CHROMIUM_PATH.');
  process.stdout.write(`Rendering ${count} invoices (${html.length} bytes of HTML) on ${os.cpus().length} CPUs\n`);
  const perPdf = (seconds: number) => `${((seconds / count) * 1000).toFixed(1)} ms`;
  for (const browser of found) {
    process.stdout.write(`${browser.headlessShell ? 'headless shell' : 'full browser'} (${browser.executablePath}):\n`);
    const rawSeconds = await raw(browser, html, footer);
    process.stdout.write(`  raw Chromium, 1 page, setContent + pdf: ${(count / rawSeconds).toFixed(1)} invoices/s (${perPdf(rawSeconds)} each)\n`);
    const { seconds, chromiumCpuSeconds } = await pooled(browser);
    process.stdout.write(`  Billow renderer, pool of ${poolSize} pages:     ${(count / seconds).toFixed(1)} invoices/s (${perPdf(seconds)} each, view + HTML + PDF); Chromium CPU ${perPdf(chromiumCpuSeconds)} per PDF\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
