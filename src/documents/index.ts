/**
 * Invoice documents: what rendering needs (a PDF renderer, a store, the public URL that
 * `file_url` starts with) and the process-wide default built from the configuration.
 */
import { loadConfig } from '../runtime/config';
import { ChromiumPdfRenderer, type PdfRenderer } from './pdf-renderer';
import { pdfBrowser } from './pdf-browser';
import { filesystemDocumentStore, type DocumentStore } from './storage';
import { fetchLogo, type LogoFetcher } from './logo';

export interface DocumentServices {
  renderer: PdfRenderer;
  store: DocumentStore;
  /** Base of `file_url` (config.publicUrl). */
  publicUrl: string;
  fetchLogo?: LogoFetcher;
}

let defaults: DocumentServices | null = null;

/** One renderer (so one browser) per process, from the PDF browser settings and BILLOW_DOCUMENTS_DIR. */
export function defaultDocumentServices(): DocumentServices {
  if (!defaults) {
    const config = loadConfig();
    defaults = {
      renderer: new ChromiumPdfRenderer(pdfBrowser(config)),
      store: filesystemDocumentStore(config.documentsDir),
      publicUrl: config.publicUrl,
      fetchLogo,
    };
  }
  return defaults;
}

/** Closes the default renderer's browser, if one was started. */
export async function closeDefaultDocumentServices(): Promise<void> {
  const current = defaults;
  defaults = null;
  await current?.renderer.close();
}
