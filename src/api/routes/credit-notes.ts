import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { pageFrom, paginate } from '../pagination';
import { createCreditNoteSchema, updateCreditNoteSchema } from '../schemas/money';
import { serializeCreditNote } from '../../serializers/credit-note';
import { customerView } from '../../serializers/customer';
import { createCreditNote, getCreditNote, updateCreditNoteRefundStatus, voidCreditNote } from '../../services/credits/credit-notes';
import { creditNotesOf, itemsOfCreditNotes, type CreditNoteRow } from '../../db/credit-notes';
import { isUuid } from '../../db/wallets';
import type { CustomerRow } from '../../db/customers';
import type { FeeRow, InvoiceRow } from '../../db/invoices';
import type { OrganizationRow } from '../../db/organizations';
import type { Db } from '../../db/knex';

/** Serializes notes with their invoices, customers, items, fees and subscriptions, loaded in batches. */
async function presentAll(db: Db, organization: OrganizationRow, notes: CreditNoteRow[]) {
  if (notes.length === 0) return [];
  const org = organization.id;
  const items = await itemsOfCreditNotes(db, org, notes.map((n) => n.id));
  const [invoices, customers, fees] = await Promise.all([
    db<InvoiceRow>('invoices').where({ organization_id: org }).whereIn('id', [...new Set(notes.map((n) => n.invoice_id))]),
    db<CustomerRow>('customers').where({ organization_id: org }).whereIn('id', [...new Set(notes.map((n) => n.customer_id))]),
    items.length === 0 ? [] : db<FeeRow>('fees').where({ organization_id: org }).whereIn('id', [...new Set(items.map((i) => i.fee_id))]),
  ]);
  const subscriptionIds = [...new Set(fees.map((f) => f.subscription_id).filter((id): id is string => id !== null))];
  const subscriptions = subscriptionIds.length === 0 ? []
    : ((await db('subscriptions').where({ organization_id: org }).whereIn('id', subscriptionIds).select('id', 'external_id')) as { id: string; external_id: string }[]);
  const invoiceById = new Map(invoices.map((i) => [i.id, i]));
  const customerById = new Map(customers.map((c) => [c.id, c]));
  const feeById = new Map(fees.map((f) => [f.id, f]));
  const externalSubscriptionIds = new Map(subscriptions.map((s) => [s.id, s.external_id]));
  const view = customerView(organization);
  return notes.map((note) => {
    const customer = customerById.get(note.customer_id)!;
    return serializeCreditNote(note, {
      invoice: invoiceById.get(note.invoice_id)!,
      customer,
      customerView: view(customer),
      items: items.filter((item) => item.credit_note_id === note.id),
      fees: feeById,
      externalSubscriptionIds,
    });
  });
}

/** One credit note as the API shows it (also the object of credit_note webhooks). */
export async function present(db: Db, organization: OrganizationRow, note: CreditNoteRow) {
  return (await presentAll(db, organization, [note]))[0]!;
}

export function creditNotesRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'credit_note', createCreditNoteSchema);
    const nowMs = await clock.now();
    const { creditNote } = await db.transaction((trx) => createCreditNote(trx, {
      organizationId: organization.id,
      invoiceId: input.invoice_id,
      reason: input.reason,
      description: input.description ?? null,
      items: input.items.map((item) => ({ feeId: item.fee_id, amountCents: item.amount_cents })),
      creditAmountCents: input.credit_amount_cents ?? undefined,
      refundAmountCents: input.refund_amount_cents ?? undefined,
      nowMs,
    }));
    res.json({ credit_note: await present(db, organization, creditNote) });
  }));
  router.put('/:id/void', handle(async (req, res) => {
    const organization = organizationOf(req);
    const creditNote = await voidCreditNote(db, organization.id, String(req.params.id), await clock.now());
    res.json({ credit_note: await present(db, organization, creditNote) });
  }));
  router.put('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'credit_note', updateCreditNoteSchema);
    const creditNote = await updateCreditNoteRefundStatus(db, organization.id, String(req.params.id), input.refund_status, await clock.now());
    res.json({ credit_note: await present(db, organization, creditNote) });
  }));
  router.get('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ credit_note: await present(db, organization, await getCreditNote(db, organization.id, String(req.params.id))) });
  }));
  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    let query = creditNotesOf(db, organization.id).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
    if (req.query.external_customer_id !== undefined) {
      query = query.whereIn('customer_id', db('customers').select('id').where({ organization_id: organization.id, external_id: String(req.query.external_customer_id) }));
    }
    if (req.query.invoice_id !== undefined) {
      const invoiceId = String(req.query.invoice_id);
      query = isUuid(invoiceId) ? query.where({ invoice_id: invoiceId }) : query.whereRaw('false');
    }
    const { rows, meta } = await paginate<CreditNoteRow>(query, pageFrom(req.query));
    res.json({ credit_notes: await presentAll(db, organization, rows), meta });
  }));
  return router;
}
