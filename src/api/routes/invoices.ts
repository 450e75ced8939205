import { Router, type Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { validationErrors } from '../errors';
import { parseEnvelope, parseInput } from '../validation';
import { pageFrom } from '../pagination';
import { invoicePreviewSchema, oneOffInvoiceSchema, updateInvoiceSchema, voidInvoiceSchema } from '../schemas/money';
import {
  createOneOffInvoice, deleteDraftInvoice, finalizeInvoice, getInvoice, INVOICE_TYPES, listInvoices, PAYMENT_STATUSES, presentInvoice, previewInvoice,
  refreshInvoice, updateInvoice, VISIBLE_INVOICE_STATUSES, voidInvoice, type InvoiceFilters,
} from '../../services/invoicing';
import { isCurrency } from '../../billing/money';
import { isLocalDate } from '../../billing/calendar';

/** A filter given once (`status=x`) or as a list (`statuses[]=x`, `status[]=x`). */
function listParam(query: Request['query'], ...names: string[]): string[] | undefined {
  const values = names.flatMap((name) => {
    const value = query[name];
    if (value === undefined || value === '') return [];
    return Array.isArray(value) ? value.map(String) : [String(value)];
  });
  return values.length > 0 ? values : undefined;
}

export function parseFilters(query: Request['query']): InvoiceFilters {
  const errors: Record<string, string[]> = {};
  const one = (name: string) => (typeof query[name] === 'string' && query[name] !== '' ? (query[name] as string) : undefined);
  const within = (field: string, values: string[] | undefined, allowed: readonly string[]) => {
    if (values && values.some((v) => !allowed.includes(v))) errors[field] = ['value_is_invalid'];
    return values;
  };
  const filters: InvoiceFilters = {
    externalCustomerId: one('external_customer_id'),
    statuses: within('status', listParam(query, 'status', 'statuses'), VISIBLE_INVOICE_STATUSES),
    paymentStatuses: within('payment_status', listParam(query, 'payment_status', 'payment_statuses'), PAYMENT_STATUSES),
    invoiceTypes: within('invoice_type', listParam(query, 'invoice_type', 'invoice_types'), INVOICE_TYPES),
    currency: one('currency'),
    issuingDateFrom: one('issuing_date_from'),
    issuingDateTo: one('issuing_date_to'),
  };
  if (filters.currency !== undefined && !isCurrency(filters.currency)) errors.currency = ['value_is_invalid'];
  for (const [field, value] of [['issuing_date_from', filters.issuingDateFrom], ['issuing_date_to', filters.issuingDateTo]] as const) {
    if (value !== undefined && !isLocalDate(value)) errors[field] = ['invalid_date'];
  }
  for (const field of ['amount_from', 'amount_to'] as const) {
    const value = one(field);
    if (value === undefined) continue;
    if (!/^\d{1,18}$/.test(value)) errors[field] = ['value_is_invalid'];
    else if (field === 'amount_from') filters.amountFrom = BigInt(value);
    else filters.amountTo = BigInt(value);
  }
  const overdue = one('payment_overdue');
  if (overdue !== undefined) {
    if (overdue === 'true' || overdue === 'false') filters.paymentOverdue = overdue === 'true';
    else errors.payment_overdue = ['value_is_invalid'];
  }
  if (Object.keys(errors).length > 0) throw validationErrors(errors);
  return filters;
}

export function invoicesRouter({ db, clock, publicUrl }: AppContext): Router {
  // One presenter for the API and the webhooks (services/invoicing/invoice-presenter.ts); file_url once the PDF exists,
  // the subscriptions' current period as of now.
  const present = async (organization: Parameters<typeof presentInvoice>[1], invoice: Parameters<typeof presentInvoice>[2]) =>
    presentInvoice(db, organization, invoice, { withFees: true, publicUrl, nowMs: await clock.now() });
  const router = Router();

  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'invoice', oneOffInvoiceSchema);
    const requestKey = String(req.headers['idempotency-key'] ?? req.headers['x-request-id'] ?? randomUUID());
    const { invoice } = await createOneOffInvoice(db, organization, input, { requestKey, nowMs: await clock.now() });
    res.json({ invoice: await present(organization, invoice) });
  }));

  router.post('/preview', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseInput(req.body ?? {}, invoicePreviewSchema);
    res.json({ invoice: await previewInvoice(db, organization, input, { nowMs: await clock.now() }) });
  }));

  router.put('/:id/finalize', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ invoice: await present(organization, await finalizeInvoice(db, organization.id, String(req.params.id), await clock.now())) });
  }));

  router.put('/:id/refresh', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ invoice: await present(organization, await refreshInvoice(db, organization.id, String(req.params.id))) });
  }));

  router.post('/:id/void', handle(async (req, res) => {
    const organization = organizationOf(req);
    // Lago's optional body: only its defaults are accepted (the contract refuses the rest).
    parseInput(req.body ?? {}, voidInvoiceSchema);
    res.json({ invoice: await present(organization, await voidInvoice(db, organization.id, String(req.params.id), await clock.now())) });
  }));

  router.put('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'invoice', updateInvoiceSchema);
    res.json({ invoice: await present(organization, await updateInvoice(db, organization.id, String(req.params.id), input, await clock.now())) });
  }));

  router.delete('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ invoice: await present(organization, await deleteDraftInvoice(db, organization.id, String(req.params.id), await clock.now())) });
  }));

  router.get('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ invoice: await present(organization, await getInvoice(db, organization.id, String(req.params.id))) });
  }));

  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json(await listInvoices(db, organization, parseFilters(req.query), pageFrom(req.query), publicUrl, await clock.now()));
  }));
  return router;
}
