/** `GET /fees`, `GET/PUT/DELETE /fees/:id` (rules in services/invoicing/fees.ts). */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import { feeQuerySchema, updateFeeSchema } from '../schemas/fees';
import { parseQuery } from '../schemas/query';
import { serializeListedFee } from '../../serializers/fee';
import { deleteFee, getFee, listFees, updateFee } from '../../services/invoicing/fees';

export function feesRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.get('/', handle(async (req, res) => {
    const query = parseQuery(req.query, feeQuerySchema);
    const filters = {
      externalCustomerId: query.external_customer_id,
      externalSubscriptionId: query.external_subscription_id,
      eventTransactionId: query.event_transaction_id,
      currency: query.currency,
      feeType: query.fee_type,
      billableMetricCode: query.billable_metric_code,
      paymentStatus: query.payment_status,
      createdAtFrom: query.created_at_from,
      createdAtTo: query.created_at_to,
      succeededAtFrom: query.succeeded_at_from,
      succeededAtTo: query.succeeded_at_to,
      failedAtFrom: query.failed_at_from,
      failedAtTo: query.failed_at_to,
      refundedAtFrom: query.refunded_at_from,
      refundedAtTo: query.refunded_at_to,
    };
    const { rows, meta } = await listFees(db, organizationOf(req).id, filters, pageFrom(req.query));
    res.json({ fees: rows.map(serializeListedFee), meta });
  }));
  router.get('/:id', handle(async (req, res) => {
    res.json({ fee: serializeListedFee(await getFee(db, organizationOf(req).id, String(req.params.id))) });
  }));
  router.put('/:id', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'fee', updateFeeSchema);
    res.json({ fee: serializeListedFee(await updateFee(db, organizationOf(req).id, String(req.params.id), input, await clock.now())) });
  }));
  router.delete('/:id', handle(async (req, res) => {
    res.json({ fee: serializeListedFee(await deleteFee(db, organizationOf(req).id, String(req.params.id), await clock.now())) });
  }));
  return router;
}
