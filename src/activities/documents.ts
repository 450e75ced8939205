/**
 * Activities that render documents. Idempotent by document: the file has a fixed key, and a
 * document stored already is not rendered again.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { DocumentType } from '../workflows/ids';
import { defaultDocumentServices, type DocumentServices } from '../services/deps';
import { DocumentError, generateInvoicePdf } from '../services/invoicing';
import { generateCreditNotePdf } from '../services/credits';
import { forEachConcurrently } from '../runtime/concurrency';
import type { ActivityDeps } from './deps';

export interface DocumentActivityDeps extends ActivityDeps {
  /** Renderer and store; the process default (from the configuration) when absent. */
  documents?: DocumentServices;
}

export interface DocumentInput {
  organizationId: string;
  documentType: DocumentType;
  id: string;
}

/** What a batch's one attempt left: documents to try again one by one, and those that cannot be made (a `DocumentError`). */
export interface DocumentBatchOutcome {
  retry: DocumentInput[];
  rejected: { document: DocumentInput; message: string }[];
}

/** Documents of a batch rendered at once: the renderer's pages and one more reading and storing. */
const BATCH_CONCURRENCY = 3;

export function documentActivities(deps: DocumentActivityDeps) {
  const services = () => deps.documents ?? defaultDocumentServices();
  /** Renders and stores one document; null when it is a draft (rendered at finalization). */
  const render = async (input: DocumentInput): Promise<string | null> => {
    try {
      if (input.documentType === 'credit_note') {
        const result = await generateCreditNotePdf(deps.db, services(), { organizationId: input.organizationId, creditNoteId: input.id });
        log.info('credit note document', { ...result });
        return result.filePath;
      }
      const result = await generateInvoicePdf(deps.db, services(), { organizationId: input.organizationId, invoiceId: input.id });
      log.info('invoice document', { ...result });
      return result.filePath;
    } catch (error) {
      if (error instanceof DocumentError && error.code === 'is_draft') return null;
      throw error;
    }
  };
  return {
    /** Renders and stores the PDF of a finalized invoice or credit note; drafts are skipped. */
    async generateDocument(input: DocumentInput): Promise<{ filePath: string | null; skipped?: string }> {
      try {
        const filePath = await render(input);
        return filePath === null ? { filePath, skipped: 'draft' } : { filePath };
      } catch (error) {
        if (error instanceof DocumentError) throw ApplicationFailure.nonRetryable(error.message, 'DocumentError');
        throw error;
      }
    },

    /**
     * A burst of documents in one activity (a heartbeat after each): each rendered once, in no
     * particular order. One that fails is not retried here but returned, for the workflow to retry
     * it alone with the single document's policy; one that cannot be made is returned as rejected.
     * A retry of the whole activity (a lost worker) skips what is stored already.
     */
    async generateDocuments(input: { documents: DocumentInput[] }): Promise<DocumentBatchOutcome> {
      const outcome: DocumentBatchOutcome = { retry: [], rejected: [] };
      let done = 0;
      await forEachConcurrently(input.documents, BATCH_CONCURRENCY, async (document) => {
        try {
          await render(document);
        } catch (error) {
          if (error instanceof DocumentError) outcome.rejected.push({ document, message: error.message });
          else {
            log.warn('document rendering failed; the workflow tries it again alone', { ...document, error: String(error) });
            outcome.retry.push(document);
          }
        }
        Context.current().heartbeat(++done);
      });
      return outcome;
    },
  };
}
