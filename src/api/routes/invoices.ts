import { Router, type Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { notFound, validationErrors } from '../errors';
import { parseEnvelope } from '../validation';
import { invoicesOf, type InvoiceRow } from '../../db/invoices';
import { isUuid } from '../../db/wallets';
import { presentInvoice } from '../../services/invoicing/invoice-view';
import { pageFrom, paginate } from '../pagination';
import { oneOffInvoiceSchema, updateInvoiceSchema } from '../schemas/money';
import {
  deleteDraftInvoice, finalizeInvoice, PAYMENT_STATUSES, updateInvoice, VISIBLE_INVOICE_STATUSES, voidInvoice,
} from '../../services/invoicing/invoice-actions';
import { createOneOffInvoice } from '../../services/invoicing/one-off-invoices';
import { isCurrency } from '../../billing/money';
import { isLocalDate } from '../../billing/calendar';
import type { Db } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';

const INVOICE_TYPES = ['subscription', 'add_on', 'credit', 'one_off', 'advance_charges', 'progressive_billing'];

async function findVisibleInvoice(db: Db, organizationId: string, id: string): Promise<InvoiceRow> {
  const invoice = isUuid(id)
    ? await invoicesOf(db, organizationId).where({ id }).whereIn('status', [...VISIBLE_INVOICE_STATUSES]).first()
    : undefined;
  if (!invoice) throw notFound('invoice');
  return invoice;
}

/** A filter given once (`status=x`) or as a list (`statuses[]=x`, `status[]=x`). */
function listParam(query: Request['query'], ...names: string[]): string[] | undefined {
  const values = names.flatMap((name) => {
    const value = query[name];
    if (value === undefined || value === '') return [];
    return Array.isArray(value) ? value.map(String) : [String(value)];
  });
  return values.length > 0 ? values : undefined;
}

interface InvoiceFilters {
  externalCustomerId?: string;
  statuses?: string[];
  paymentStatuses?: string[];
  invoiceTypes?: string[];
  currency?: string;
  issuingDateFrom?: string;
  issuingDateTo?: string;
  amountFrom?: bigint;
  amountTo?: bigint;
}

function parseFilters(query: Request['query']): InvoiceFilters {
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
  if (Object.keys(errors).length > 0) throw validationErrors(errors);
  return filters;
}

export function invoicesRouter({ db, clock, publicUrl }: AppContext): Router {
  // One presenter for the API and the webhooks (services/invoice-view.ts); file_url once the PDF exists.
  const present = (database: Db, organization: OrganizationRow, invoice: InvoiceRow, withFees: boolean) =>
    presentInvoice(database, organization, invoice, { withFees, publicUrl });
  const router = Router();

  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'invoice', oneOffInvoiceSchema);
    const requestKey = String(req.headers['idempotency-key'] ?? req.headers['x-request-id'] ?? randomUUID());
    const { invoice } = await createOneOffInvoice(db, organization, input, { requestKey, nowMs: await clock.now() });
    res.json({ invoice: await present(db, organization, invoice, true) });
  }));

  router.put('/:id/finalize', handle(async (req, res) => {
    const organization = organizationOf(req);
    const invoice = await finalizeInvoice(db, organization.id, String(req.params.id));
    res.json({ invoice: await present(db, organization, invoice, true) });
  }));

  router.post('/:id/void', handle(async (req, res) => {
    const organization = organizationOf(req);
    const invoice = await voidInvoice(db, organization.id, String(req.params.id), await clock.now());
    res.json({ invoice: await present(db, organization, invoice, true) });
  }));

  router.put('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'invoice', updateInvoiceSchema);
    const invoice = await updateInvoice(db, organization.id, String(req.params.id), input, await clock.now());
    res.json({ invoice: await present(db, organization, invoice, true) });
  }));

  router.delete('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const invoice = await deleteDraftInvoice(db, organization.id, String(req.params.id), await clock.now());
    res.json({ invoice: await present(db, organization, invoice, true) });
  }));

  router.get('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const invoice = await findVisibleInvoice(db, organization.id, String(req.params.id));
    res.json({ invoice: await present(db, organization, invoice, true) });
  }));

  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const filters = parseFilters(req.query);
    let query = invoicesOf(db, organization.id)
      .whereIn('status', filters.statuses ?? [...VISIBLE_INVOICE_STATUSES])
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'organization_sequential_id', order: 'desc' }]);
    if (filters.externalCustomerId !== undefined) {
      query = query.whereIn('customer_id', db('customers').select('id').where({ organization_id: organization.id, external_id: filters.externalCustomerId }));
    }
    if (filters.paymentStatuses) query = query.whereIn('payment_status', filters.paymentStatuses);
    if (filters.invoiceTypes) query = query.whereIn('invoice_type', filters.invoiceTypes);
    if (filters.currency) query = query.where('currency', filters.currency);
    if (filters.issuingDateFrom) query = query.where('issuing_date', '>=', filters.issuingDateFrom);
    if (filters.issuingDateTo) query = query.where('issuing_date', '<=', filters.issuingDateTo);
    if (filters.amountFrom !== undefined) query = query.where('total_amount_cents', '>=', filters.amountFrom.toString());
    if (filters.amountTo !== undefined) query = query.where('total_amount_cents', '<=', filters.amountTo.toString());
    const { rows, meta } = await paginate<InvoiceRow>(query, pageFrom(req.query));
    res.json({ invoices: await Promise.all(rows.map((row) => present(db, organization, row, true))), meta });
  }));
  return router;
}
