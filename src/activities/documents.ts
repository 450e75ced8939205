/** Activities that render documents. Idempotent by document: the file has a fixed key. */
import { ApplicationFailure, log } from '@temporalio/activity';
import type { DocumentType } from '../workflows/ids';
import { defaultDocumentServices, type DocumentServices } from '../services/deps';
import { DocumentError, generateInvoicePdf } from '../services/invoicing';
import { generateCreditNotePdf } from '../services/credits';
import type { ActivityDeps } from './deps';

export interface DocumentActivityDeps extends ActivityDeps {
  /** Renderer and store; the process default (from the configuration) when absent. */
  documents?: DocumentServices;
}

export function documentActivities(deps: DocumentActivityDeps) {
  const services = () => deps.documents ?? defaultDocumentServices();
  return {
    /** Renders and stores the PDF of a finalized invoice or credit note; drafts are skipped. */
    async generateDocument(input: { organizationId: string; documentType: DocumentType; id: string }): Promise<{ filePath: string | null; skipped?: string }> {
      try {
        if (input.documentType === 'credit_note') {
          const result = await generateCreditNotePdf(deps.db, services(), { organizationId: input.organizationId, creditNoteId: input.id });
          log.info('credit note document', { ...result });
          return { filePath: result.filePath };
        }
        const result = await generateInvoicePdf(deps.db, services(), { organizationId: input.organizationId, invoiceId: input.id });
        log.info('invoice document', { ...result });
        return { filePath: result.filePath };
      } catch (error) {
        if (error instanceof DocumentError && error.code === 'is_draft') return { filePath: null, skipped: 'draft' };
        if (error instanceof DocumentError) throw ApplicationFailure.nonRetryable(error.message, 'DocumentError');
        throw error;
      }
    },
  };
}
