/**
 * The text of a PDF, extracted by unpdf (pdf.js) in a child Node process: unpdf is an ES module
 * that jest's CommonJS runtime cannot load, and a separate process keeps pdf.js out of the tests.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = `
const { extractText, getDocumentProxy } = require(process.argv[1]);
const fs = require('node:fs');
(async () => {
  const pdf = await getDocumentProxy(new Uint8Array(fs.readFileSync(process.argv[2])));
  const { text, totalPages } = await extractText(pdf, { mergePages: true });
  process.stdout.write(JSON.stringify({ text, totalPages }));
})().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
`;

export async function pdfText(pdf: Uint8Array): Promise<{ text: string; totalPages: number }> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'billow-pdf-')), 'document.pdf');
  fs.writeFileSync(file, pdf);
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['-e', SCRIPT, require.resolve('unpdf'), file], { maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => {
        if (error) reject(new Error(`PDF text extraction failed: ${err || error.message}`));
        else resolve(out);
      });
    });
    const parsed = JSON.parse(stdout) as { text: string; totalPages: number };
    // One space between words whatever the layout put there, so expectations read naturally.
    return { text: parsed.text.replace(/\s+/g, ' '), totalPages: parsed.totalPages };
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/** The size of each page in PostScript points (rounded), from the PDF's MediaBox entries. */
export function mediaBoxes(pdf: Uint8Array): [number, number][] {
  const text = Buffer.from(pdf).toString('latin1');
  return [...text.matchAll(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/g)].map((m) => [Math.round(Number(m[1])), Math.round(Number(m[2]))]);
}
