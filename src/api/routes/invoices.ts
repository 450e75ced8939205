import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { notFound } from '../errors';
import { feesOf, findInvoice, invoicesOf, type InvoiceRow } from '../../db/invoices';
import { findCustomerById, type CustomerRow } from '../../db/customers';
import { findSubscriptionById } from '../../db/subscriptions';
import { serializeInvoice } from '../serializers/invoice';
import { customerView } from './customers';
import { pageFrom, paginate } from '../pagination';
import type { Db } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';

async function present(db: Db, organization: OrganizationRow, invoice: InvoiceRow, withFees: boolean) {
  const customer = (await findCustomerById(db, invoice.customer_id)) as CustomerRow;
  const subscription = invoice.subscription_id ? await findSubscriptionById(db, invoice.subscription_id) : undefined;
  return serializeInvoice(invoice, {
    customer,
    customerView: customerView(organization)(customer),
    fees: withFees ? await feesOf(db, [invoice.id]) : undefined,
    externalSubscriptionId: subscription?.external_id ?? null,
    fileUrl: null,
  });
}

export function invoicesRouter({ db }: AppContext): Router {
  const router = Router();
  router.get('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const invoice = await findInvoice(db, organization.id, String(req.params.id));
    if (!invoice) throw notFound('invoice');
    res.json({ invoice: await present(db, organization, invoice, true) });
  }));
  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    let query = invoicesOf(db, organization.id).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'organization_sequential_id', order: 'desc' }]);
    if (req.query.external_customer_id) {
      query = query.whereIn('customer_id', db('customers').select('id').where({ organization_id: organization.id, external_id: String(req.query.external_customer_id) }));
    }
    if (req.query.status) query = query.where('status', String(req.query.status));
    if (req.query.payment_status) query = query.where('payment_status', String(req.query.payment_status));
    if (req.query.invoice_type) query = query.where('invoice_type', String(req.query.invoice_type));
    const { rows, meta } = await paginate<InvoiceRow>(query, pageFrom(req.query));
    res.json({ invoices: await Promise.all(rows.map((row) => present(db, organization, row, true))), meta });
  }));
  return router;
}
