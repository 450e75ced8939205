/**
 * Renders the hybrid walkthrough's invoice 3 (src/documents/samples.ts) through the real template
 * and Chromium, and writes page 1 as docs/sample-invoice.png (and the PDF beside it in /tmp).
 * A developer script: it uses poppler's `pdftoppm`, which the project does not install.
 *   npm run docs:sample-invoice [-- --seats] [-- --a4|--letter]   (default: the organization's size)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChromiumPdfRenderer } from '../src/documents/pdf-renderer';
import { pdfBrowser } from '../src/documents/pdf-browser';
import { loadConfig } from '../src/runtime/config';
import { buildInvoiceView, paperSizeOf } from '../src/documents/invoice-view';
import { pageFooterHtml, renderDocumentHtml } from '../src/documents/invoice-template';
import { hybridInvoice3, seatsInvoice1 } from '../src/documents/samples';

async function main(): Promise<void> {
  const seats = process.argv.includes('--seats');
  const sample = seats ? seatsInvoice1() : hybridInvoice3();
  const requested = process.argv.includes('--letter') ? 'letter' : process.argv.includes('--a4') ? 'a4' : null;
  const view = buildInvoiceView({ ...sample, paperSize: paperSizeOf(sample.organization, requested) });
  const renderer = new ChromiumPdfRenderer({ ...pdfBrowser(loadConfig()), poolSize: 1 });
  try {
    const pdf = await renderer.render(renderDocumentHtml(view), { paperSize: view.paperSize, footerHtml: pageFooterHtml(view) });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-sample-'));
    const pdfPath = path.join(work, 'sample-invoice.pdf');
    fs.writeFileSync(pdfPath, pdf);
    const target = path.resolve(__dirname, '..', 'docs', seats ? 'sample-invoice-seats' : 'sample-invoice');
    execFileSync('pdftoppm', ['-png', '-r', '96', '-f', '1', '-l', '1', '-singlefile', pdfPath, target]);
    process.stdout.write(`wrote ${target}.png (PDF: ${pdfPath})\n`);
  } finally {
    await renderer.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
