/**
 * Which Chromium renders invoice PDFs. Chromium's headless shell (Debian's
 * `chromium-headless-shell`, built from the same sources as `chromium`) is the browser without its
 * desktop parts: the same PDF for about a third less CPU than the full browser in headless mode
 * (bench:pdf: 31 against 44 ms of Chromium per invoice), in a month-end close's biggest single
 * cost. An explicit setting wins; then the shell where Debian installs it; then the full browser.
 */
import fs from 'node:fs';

/** The binary itself: Debian's /usr/bin/chromium-headless-shell is a script that runs it without exec, so killing the script would not stop the browser. */
export const DEBIAN_HEADLESS_SHELL = '/usr/lib/chromium/chromium-headless-shell';
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export interface PdfBrowser {
  executablePath: string;
  /** The headless shell, launched in its own mode; otherwise the full browser in headless mode. */
  headlessShell: boolean;
}

export interface PdfBrowserSettings {
  CHROMIUM_HEADLESS_SHELL_PATH?: string;
  CHROMIUM_PATH?: string;
}

export function pdfBrowser(settings: PdfBrowserSettings, isExecutable: (file: string) => boolean = executable): PdfBrowser {
  if (settings.CHROMIUM_HEADLESS_SHELL_PATH) return { executablePath: settings.CHROMIUM_HEADLESS_SHELL_PATH, headlessShell: true };
  if (settings.CHROMIUM_PATH) return { executablePath: settings.CHROMIUM_PATH, headlessShell: false };
  if (isExecutable(DEBIAN_HEADLESS_SHELL)) return { executablePath: DEBIAN_HEADLESS_SHELL, headlessShell: true };
  return { executablePath: DEFAULT_CHROMIUM, headlessShell: false };
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
