import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { createPlanSchema } from '../schemas/plans';
import { serializePlan } from '../serializers/plan';
import { createPlan, getPlan } from '../../services/plans';
import { livePlans } from '../../db/plans';
import { pageFrom, paginate } from '../pagination';

export function plansRouter({ db }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'plan', createPlanSchema);
    res.json({ plan: serializePlan(await createPlan(db, organizationOf(req).id, input)) });
  }));
  router.get('/:code', handle(async (req, res) => {
    res.json({ plan: serializePlan(await getPlan(db, organizationOf(req).id, String(req.params.code))) });
  }));
  router.get('/', handle(async (req, res) => {
    const { rows, meta } = await paginate<Parameters<typeof serializePlan>[0]>(
      livePlans(db, organizationOf(req).id).orderBy('created_at', 'desc'), pageFrom(req.query));
    res.json({ plans: rows.map((plan) => serializePlan(plan)), meta });
  }));
  return router;
}
