import { DEBIAN_HEADLESS_SHELL, DEFAULT_CHROMIUM, pdfBrowser } from '../../../src/documents/pdf-browser';

const installed = (...files: string[]) => (file: string) => files.includes(file);

describe('the browser that renders PDFs', () => {
  it('is the headless shell named by CHROMIUM_HEADLESS_SHELL_PATH, whatever else is set or installed', () => {
    expect(pdfBrowser({ CHROMIUM_HEADLESS_SHELL_PATH: '/opt/shell', CHROMIUM_PATH: '/opt/chrome' }, installed(DEBIAN_HEADLESS_SHELL)))
      .toEqual({ executablePath: '/opt/shell', headlessShell: true });
  });

  it('is the browser named by CHROMIUM_PATH, in headless mode, even with Debian\'s shell installed', () => {
    expect(pdfBrowser({ CHROMIUM_PATH: '/opt/chrome' }, installed(DEBIAN_HEADLESS_SHELL)))
      .toEqual({ executablePath: '/opt/chrome', headlessShell: false });
  });

  it('is Debian\'s headless shell when nothing is set and it is installed', () => {
    expect(pdfBrowser({}, installed(DEBIAN_HEADLESS_SHELL, DEFAULT_CHROMIUM)))
      .toEqual({ executablePath: '/usr/lib/chromium/chromium-headless-shell', headlessShell: true });
  });

  it('is Debian\'s chromium otherwise', () => {
    expect(pdfBrowser({}, installed(DEFAULT_CHROMIUM))).toEqual({ executablePath: '/usr/bin/chromium', headlessShell: false });
    expect(pdfBrowser({}, installed())).toEqual({ executablePath: '/usr/bin/chromium', headlessShell: false });
  });
});
