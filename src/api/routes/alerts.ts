/**
 * `/api/v1/subscriptions/:externalId/alerts` (Lago's usage alerts, issue 15 pt 3): list, create
 * (one under `alert`, or a batch under `alerts`, all or none), delete all, and retrieve, update or
 * delete one by code. The subscription is the external id's with `subscription_status` (or
 * `status`), default `active`, as Lago. See services/alerts.
 */
import { Router, type Request } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { pageFrom } from '../pagination';
import { stringParam } from '../query';
import { parseEnvelope, parseInput } from '../validation';
import { createAlertBatchSchema, createAlertSchema, isAlertBatch, updateAlertSchema } from '../schemas/alerts';
import { serializeAlert } from '../../serializers/alert';
import {
  alertEvaluatorFor, createAlert, createAlerts, deleteAlertByCode, deleteSubscriptionAlerts, getAlert, listSubscriptionAlerts, updateAlertByCode,
  type SubscriptionRef,
} from '../../services/alerts';

function refOf(req: Request): SubscriptionRef {
  return {
    organizationId: organizationOf(req).id,
    externalId: String(req.params.externalId),
    status: stringParam(req.query, 'subscription_status') ?? stringParam(req.query, 'status') ?? 'active',
  };
}

export function subscriptionAlertsRouter({ db, clock }: AppContext): Router {
  const router = Router();
  const evaluator = () => alertEvaluatorFor(db, clock);

  router.get('/:externalId/alerts', handle(async (req, res) => {
    const { rows, meta } = await listSubscriptionAlerts(db, refOf(req), pageFrom(req.query));
    res.json({ alerts: rows.map(serializeAlert), meta });
  }));
  router.post('/:externalId/alerts', handle(async (req, res) => {
    if (isAlertBatch(req.body)) {
      const { alerts } = parseInput(req.body, createAlertBatchSchema);
      res.json({ alerts: (await createAlerts(db, refOf(req), alerts, evaluator())).map(serializeAlert) });
      return;
    }
    const input = parseEnvelope(req.body, 'alert', createAlertSchema);
    res.json({ alert: serializeAlert(await createAlert(db, refOf(req), input, evaluator())) });
  }));
  router.delete('/:externalId/alerts', handle(async (req, res) => {
    await deleteSubscriptionAlerts(db, refOf(req), await clock.now());
    res.status(200).end();
  }));
  router.get('/:externalId/alerts/:code', handle(async (req, res) => {
    res.json({ alert: serializeAlert(await getAlert(db, refOf(req), String(req.params.code))) });
  }));
  router.put('/:externalId/alerts/:code', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'alert', updateAlertSchema);
    res.json({ alert: serializeAlert(await updateAlertByCode(db, refOf(req), String(req.params.code), input, evaluator())) });
  }));
  router.delete('/:externalId/alerts/:code', handle(async (req, res) => {
    res.json({ alert: serializeAlert(await deleteAlertByCode(db, refOf(req), String(req.params.code), await clock.now())) });
  }));
  return router;
}
