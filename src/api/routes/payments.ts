import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import { stringParam } from '../query';
import { manualPaymentSchema, retryPaymentSchema } from '../schemas/payments';
import { parseInput } from '../validation';
import { serializePayment } from '../../serializers/payment';
import { createManualPayment, getPayment, listPayments, retryInvoicePayment, type PresentedPayment } from '../../services/payments';

const present = ({ payment, context }: PresentedPayment) => serializePayment(payment, context);

export function paymentsRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'payment', manualPaymentSchema);
    res.json({ payment: present(await createManualPayment(db, organizationOf(req).id, input, await clock.now())) });
  }));
  router.get('/:id', handle(async (req, res) => {
    res.json({ payment: present(await getPayment(db, organizationOf(req).id, String(req.params.id))) });
  }));
  router.get('/', handle(async (req, res) => {
    const filters = { externalCustomerId: stringParam(req.query, 'external_customer_id'), invoiceId: stringParam(req.query, 'invoice_id') };
    const { rows, meta } = await listPayments(db, organizationOf(req).id, filters, pageFrom(req.query));
    res.json({ payments: rows.map(present), meta });
  }));
  return router;
}

/** `GET /customers/:externalId/payments`: the customer's payments (404 for an unknown customer). */
export function customerPaymentsRouter({ db }: AppContext): Router {
  const router = Router();
  router.get('/:externalId/payments', handle(async (req, res) => {
    const filters = { externalCustomerId: String(req.params.externalId), invoiceId: stringParam(req.query, 'invoice_id') };
    const { rows, meta } = await listPayments(db, organizationOf(req).id, filters, pageFrom(req.query), { customerScoped: true });
    res.json({ payments: rows.map(present), meta });
  }));
  return router;
}

/** `POST /invoices/:id/retry_payment`: the invoice sent for collection again; 200 without a body, as Lago (`head :ok`). */
export function retryPaymentRouter({ db }: AppContext): Router {
  const router = Router();
  router.post('/:id/retry_payment', handle(async (req, res) => {
    parseInput(req.body ?? {}, retryPaymentSchema);
    await retryInvoicePayment(db, organizationOf(req).id, String(req.params.id));
    res.status(200).end();
  }));
  return router;
}
