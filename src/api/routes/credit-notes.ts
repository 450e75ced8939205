import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import { createCreditNoteSchema, updateCreditNoteSchema } from '../schemas/money';
import { serializeCreditNote } from '../../serializers/credit-note';
import {
  issueCreditNote, listCreditNotes, showCreditNote, updateCreditNoteRefundStatus, voidCreditNote, type PresentedCreditNote,
} from '../../services/credits';

const present = ({ creditNote, context }: PresentedCreditNote) => serializeCreditNote(creditNote, context);

export function creditNotesRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'credit_note', createCreditNoteSchema);
    res.json({ credit_note: present(await issueCreditNote(db, organization, input, await clock.now())) });
  }));
  router.put('/:id/void', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ credit_note: present(await voidCreditNote(db, organization, String(req.params.id), await clock.now())) });
  }));
  router.put('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'credit_note', updateCreditNoteSchema);
    res.json({ credit_note: present(await updateCreditNoteRefundStatus(db, organization, String(req.params.id), input, await clock.now())) });
  }));
  router.get('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ credit_note: present(await showCreditNote(db, organization, String(req.params.id))) });
  }));
  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const filters = {
      externalCustomerId: req.query.external_customer_id === undefined ? undefined : String(req.query.external_customer_id),
      invoiceId: req.query.invoice_id === undefined ? undefined : String(req.query.invoice_id),
    };
    const { rows, meta } = await listCreditNotes(db, organization, filters, pageFrom(req.query));
    res.json({ credit_notes: rows.map(present), meta });
  }));
  return router;
}
