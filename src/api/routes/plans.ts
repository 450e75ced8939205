import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { createPlanSchema, updatePlanSchema } from '../schemas/plans';
import { serializePlanView } from '../../serializers/plan';
import { createPlan, deletePlanByCode, getPlanView, planViews, updatePlanByCode } from '../../services/catalog/plans';
import { livePlans, type PlanRow } from '../../db/plans';
import { pageFrom, paginate } from '../pagination';

export function plansRouter({ db }: AppContext): Router {
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
    const organizationId = organizationOf(req).id;
    const query = livePlans(db, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
    const { rows, meta } = await paginate<PlanRow>(query, pageFrom(req.query));
    res.json({ plans: (await planViews(db, organizationId, rows)).map(serializePlanView), meta });
  }));
  router.delete('/:code', handle(async (req, res) => {
    res.json({ plan: serializePlanView(await deletePlanByCode(db, organizationOf(req).id, String(req.params.code))) });
  }));
  return router;
}
