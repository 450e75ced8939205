import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { createPlanSchema, updatePlanSchema } from '../schemas/plans';
import { serializePlanView } from '../../serializers/plan';
import { createPlan, getPlanView, listPlans, updatePlanByCode } from '../../services/catalog';
import { deletePlanWithSubscriptions } from '../../services/subscriptions';
import { pageFrom } from '../pagination';

export function plansRouter(ctx: AppContext): Router {
  const { db } = ctx;
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'plan', createPlanSchema);
    res.json({ plan: serializePlanView(await createPlan(db, organizationOf(req).id, input)) });
  }));
  router.put('/:code', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'plan', updatePlanSchema);
    res.json({ plan: serializePlanView(await updatePlanByCode(db, organizationOf(req).id, String(req.params.code), input)) });
  }));
  router.get('/:code', handle(async (req, res) => {
    res.json({ plan: serializePlanView(await getPlanView(db, organizationOf(req).id, String(req.params.code))) });
  }));
  router.get('/', handle(async (req, res) => {
    const { rows, meta } = await listPlans(db, organizationOf(req).id, pageFrom(req.query));
    res.json({ plans: rows.map(serializePlanView), meta });
  }));
  router.delete('/:code', handle(async (req, res) => {
    res.json({ plan: serializePlanView(await deletePlanWithSubscriptions(ctx, organizationOf(req), String(req.params.code))) });
  }));
  return router;
}
