/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The Billow Console driven in a real browser: the product started the way `npm start -- --sandbox`
 * starts it (the same command, as test/e2e/start.test.ts does), the system Chromium driven by
 * puppeteer-core, and small helpers a test reads like a person's steps. Used by the browser tests,
 * `npm run docs:screenshots` and `npm run bench:console`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { freePort, killGroupAndRemove } from '../../support/processes';
export { freePort };

const ROOT = path.resolve(__dirname, '../../..');

export interface RunningProduct {
  baseUrl: string;
  apiKey: string;
  output(): string;
  stop(): Promise<void>;
}

/** `npm start -- --sandbox` on free ports with its own data folder; resolves at its banner. */
export async function startSandboxProduct(timeoutMs = 240_000): Promise<RunningProduct> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-console-e2e-'));
  fs.chmodSync(dataDir, 0o755);
  const [port, temporalPort, uiPort, pgPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port), TEMPORAL_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(uiPort), EMBEDDED_POSTGRES_PORT: String(pgPort),
    BILLOW_DATA_DIR: dataDir, LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  delete env.BILLOW_API_KEY;
  let output = '';
  const child: ChildProcess = spawn('npm', ['start', '--silent', '--', '--sandbox'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const stop = async () => {
    if (child.pid) {
      const exited = child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve();
      try {
        process.kill(-child.pid, 'SIGINT'); // Ctrl-C: Billow stops what it started
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    }
    await killGroupAndRemove(child.pid, dataDir); // whatever of its process group outlived it (the sandbox's JVM)
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const key = /API key\s+(blw_\S+)/.exec(output)?.[1];
    if (key) return { baseUrl: `http://127.0.0.1:${port}`, apiKey: key, output: () => output, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`Billow did not start. Output:\n${output.slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The system Chromium, headless, with the flags this closed network needs and a fresh profile. */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-console-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--lang=en-US'],
    env: { ...process.env, TZ: 'UTC', LANG: 'en_US.UTF-8' },
    timeout: 60_000,
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A person at the console: every step goes through the page, as they would. */
export class ConsoleDriver {
  constructor(readonly page: Page, readonly baseUrl: string) {}

  async open(route: string): Promise<void> {
    await this.page.goto(`${this.baseUrl}/console${route}`, { waitUntil: 'domcontentloaded' });
  }

  /**
   * Goes to a section through the navigation, as a person would: once a closing dialog has gone (a
   * click during its fade-out lands on its overlay and is lost), then waits until the section's
   * address is the page's.
   */
  async nav(label: string): Promise<void> {
    await this.page.waitForSelector('[role="dialog"], .mantine-Modal-overlay', { hidden: true });
    await this.page.locator(`nav ::-p-text(${label})`).click();
    await this.page.waitForFunction((text) => {
      const link = [...document.querySelectorAll<HTMLAnchorElement>('nav a')].find((a) => a.textContent?.trim() === text);
      return link !== undefined && new URL(link.href).pathname === location.pathname;
    }, {}, label);
  }

  async type(name: string, value: string, options: { within?: string } = {}): Promise<void> {
    const selector = `${options.within ?? ''} [name="${name}"]`.trim();
    await this.page.waitForSelector(selector, { visible: true });
    await this.page.$eval(selector, (element) => (element as HTMLInputElement).select?.());
    await this.page.locator(selector).fill(value);
  }

  async select(name: string, value: string): Promise<void> {
    const selector = `select[name="${name}"]`;
    await this.page.waitForSelector(selector, { visible: true });
    await this.page.select(selector, value);
  }

  async check(name: string): Promise<void> {
    const selector = `input[name="${name}"]`;
    await this.page.waitForSelector(selector);
    if (!(await this.page.$eval(selector, (element) => (element as HTMLInputElement).checked))) await this.page.click(selector);
  }

  /** Clicks the button (or link) whose visible text is exactly `text`. */
  async click(text: string, options: { within?: string } = {}): Promise<void> {
    const scope = options.within ?? 'body';
    const handle = await this.page.waitForFunction(
      (scopeSelector: string, label: string) => {
        const root = document.querySelector(scopeSelector);
        const candidates = [...(root?.querySelectorAll('button, a') ?? [])] as HTMLElement[];
        return candidates.find((element) => element.innerText.trim() === label && !(element as HTMLButtonElement).disabled) ?? null;
      },
      { timeout: 30_000 },
      scope,
      text,
    );
    await (handle as unknown as { click(): Promise<void> }).click();
  }

  /** Waits until the page (or an element) shows `text` (a string in any letter case); returns that element's text. */
  async waitForText(text: string | RegExp, options: { within?: string; timeout?: number } = {}): Promise<string> {
    const source = typeof text === 'string' ? { string: text } : { regex: text.source, flags: text.flags };
    try {
      const handle = await this.page.waitForFunction(
        (selector: string, wanted: { string?: string; regex?: string; flags?: string }) => {
          const element = document.querySelector(selector) as HTMLElement | null;
          const content = element?.innerText ?? '';
          // Strings match whatever the letter case CSS shows (badges are upper-cased); regexes as written.
          const ok = wanted.string !== undefined ? content.toLowerCase().includes(wanted.string.toLowerCase()) : new RegExp(wanted.regex!, wanted.flags).test(content);
          return ok ? content : null;
        },
        { timeout: options.timeout ?? 30_000, polling: 250 },
        options.within ?? 'body',
        source,
      );
      return (await handle.jsonValue()) as string;
    } catch (error) {
      const shown = await this.page.$eval(options.within ?? 'body', (element) => (element as HTMLElement).innerText).catch(() => '(nothing)');
      throw new Error(`Waited for ${String(text)} in ${options.within ?? 'body'}; the page shows:\n${shown.slice(0, 3000)}\n${(error as Error).message}`);
    }
  }

  async textOf(selector: string): Promise<string> {
    await this.page.waitForSelector(selector);
    return this.page.$eval(selector, (element) => (element as HTMLElement).innerText);
  }

  /** Sets a date input (React-controlled) as a person picking the date would. */
  async setDate(name: string, isoDate: string): Promise<void> {
    const selector = `input[name="${name}"]`;
    await this.page.waitForSelector(selector);
    await this.page.$eval(selector, (element, value) => {
      const input = element as HTMLInputElement;
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, value);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    }, isoDate);
  }

  /** axe-core's serious and critical violations on the current page. */
  async accessibilityViolations(): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
    const source = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    await this.page.evaluate(source);
    const results = await this.page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const run = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
      return run.violations.map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, nodes: violation.nodes.map((node) => node.target.join(' ')) }));
    });
    return results.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  }
}

/** The public API as a product calls it (Bearer key), for the events a product would send. */
export function apiClient(baseUrl: string, apiKey: string) {
  return async (method: string, route: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const response = await fetch(`${baseUrl}/api/v1${route}`, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
}
