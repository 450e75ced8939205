/**
 * HTML → PDF with the system Chromium (puppeteer-core). One browser per process, launched on
 * first use with a fresh profile; a bounded pool of pages reused between documents. Pages run no
 * JavaScript and may load nothing but data: URLs. If the browser dies (crash, OOM kill), the
 * next render launches a new one, and a render caught in the crash is retried once on it.
 */
import fs from 'node:fs';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import { logger as rootLogger, type Logger } from '../runtime/logger';
import type { PaperSize } from './invoice-view';
import { newProfileDir, removeAbandonedProfiles } from './browser-profiles';

/** Flags for a headless Chromium on a server without GPU, sandbox or network (see README). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface PdfOptions {
  paperSize: PaperSize;
  /** HTML of the footer printed on every page (Chromium's footer template). */
  footerHtml?: string;
}

export interface PdfRenderer {
  render(html: string, options: PdfOptions): Promise<Uint8Array>;
  /** The browser's process id while it runs (tests kill it to prove recovery). */
  browserPid(): number | null;
  close(): Promise<void>;
}

export interface ChromiumOptions {
  executablePath: string;
  /** The executable is Chromium's headless shell (pdf-browser.ts), launched in its own mode. */
  headlessShell?: boolean;
  /** Pages rendering at once (default 2). */
  poolSize?: number;
  /** Per-document timeout (default 30 s). */
  timeoutMs?: number;
  logger?: Logger;
}

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private available: number) {}

  async acquire(): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.available++;
  }
}

interface Generation {
  browser: Browser;
  profileDir: string;
  idle: Page[];
  /** Set when we close it ourselves, so its disconnection is not reported as a crash. */
  closing: boolean;
}

export class ChromiumPdfRenderer implements PdfRenderer {
  private readonly slots: Semaphore;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private current: Promise<Generation> | null = null;
  private closed = false;
  private swept = false;

  constructor(private readonly options: ChromiumOptions) {
    this.slots = new Semaphore(Math.max(1, options.poolSize ?? 2));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.log = (options.logger ?? rootLogger).child({ component: 'pdf-renderer' });
  }

  async render(html: string, options: PdfOptions): Promise<Uint8Array> {
    if (this.closed) throw new Error('The PDF renderer is closed');
    await this.slots.acquire();
    try {
      try {
        return await this.renderOnce(html, options);
      } catch (error) {
        const generation = await this.current?.catch(() => null);
        if (generation && generation.browser.connected) throw error;
        // The browser died under us: one more try on a fresh one.
        this.log.warn({ err: error }, 'browser lost during a render; retrying on a new browser');
        return await this.renderOnce(html, options);
      }
    } finally {
      this.slots.release();
    }
  }

  browserPid(): number | null {
    return this.lastPid;
  }

  private lastPid: number | null = null;

  async close(): Promise<void> {
    this.closed = true;
    const generation = await this.current?.catch(() => null);
    this.current = null;
    if (generation) await this.dispose(generation);
  }

  private async renderOnce(html: string, options: PdfOptions): Promise<Uint8Array> {
    const generation = await this.generation();
    const page = generation.idle.pop() ?? (await this.newPage(generation.browser));
    let healthy = false;
    try {
      await page.setContent(html, { waitUntil: 'load', timeout: this.timeoutMs });
      const pdf = await page.pdf({
        format: options.paperSize === 'Letter' ? 'Letter' : 'A4',
        printBackground: true,
        displayHeaderFooter: Boolean(options.footerHtml),
        headerTemplate: '<span></span>',
        footerTemplate: options.footerHtml ?? '<span></span>',
        margin: { top: '14mm', bottom: options.footerHtml ? '18mm' : '14mm', left: '14mm', right: '14mm' },
        timeout: this.timeoutMs,
      });
      healthy = true;
      return pdf;
    } finally {
      if (healthy && generation.browser.connected && !page.isClosed() && this.current) generation.idle.push(page);
      else await page.close().catch(() => undefined);
    }
  }

  private async newPage(browser: Browser): Promise<Page> {
    const page = await browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    page.on('request', (request: HTTPRequest) => {
      const url = request.url();
      if (url.startsWith('data:') || url === 'about:blank') void request.continue().catch(() => undefined);
      else void request.abort('blockedbyclient').catch(() => undefined);
    });
    return page;
  }

  /** The live browser, launching one if there is none or the last one died. */
  private async generation(): Promise<Generation> {
    if (this.current) {
      const generation = await this.current.catch(() => null);
      if (generation && generation.browser.connected) return generation;
      if (generation) void this.dispose(generation);
      this.current = null;
    }
    this.current ??= this.launch();
    return this.current;
  }

  private async launch(): Promise<Generation> {
    if (!this.swept) {
      this.swept = true;
      const removed = removeAbandonedProfiles();
      if (removed.length > 0) this.log.info({ removed: removed.length }, 'removed the browser profiles of processes that no longer run');
    }
    const profileDir = newProfileDir();
    try {
      const browser = await puppeteer.launch({
        executablePath: this.options.executablePath,
        headless: this.options.headlessShell ? 'shell' : true,
        args: CHROMIUM_FLAGS,
        userDataDir: profileDir,
        pipe: true,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        timeout: 60_000,
      });
      const generation: Generation = { browser, profileDir, idle: [], closing: false };
      this.lastPid = browser.process()?.pid ?? null;
      browser.once('disconnected', () => {
        if (generation.closing) this.log.debug({ pid: browser.process()?.pid }, 'browser closed');
        else this.log.warn({ pid: browser.process()?.pid }, 'browser disconnected; the next render launches a new one');
        generation.idle.length = 0;
        fs.rm(profileDir, { recursive: true, force: true }, () => undefined);
      });
      this.log.info({ pid: this.lastPid, executable: this.options.executablePath }, 'browser launched');
      return generation;
    } catch (error) {
      fs.rmSync(profileDir, { recursive: true, force: true });
      this.current = null;
      throw error;
    }
  }

  private async dispose(generation: Generation): Promise<void> {
    generation.closing = true;
    generation.idle.length = 0;
    await generation.browser.close().catch(() => undefined);
    fs.rmSync(generation.profileDir, { recursive: true, force: true });
  }
}
