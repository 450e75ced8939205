import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope, parseInput } from '../validation';
import { createBillableMetricSchema, evaluateExpressionSchema, updateBillableMetricSchema } from '../schemas/billable-metrics';
import { serializeBillableMetric } from '../../serializers/billable-metric';
import {
  createBillableMetric,
  deleteBillableMetricByCode,
  evaluateMetricExpression,
  getBillableMetric,
  listBillableMetrics,
  updateBillableMetricByCode,
} from '../../services/catalog';
import { pageFrom } from '../pagination';

export function billableMetricsRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/evaluate_expression', handle(async (req, res) => {
    const input = parseInput(req.body ?? {}, evaluateExpressionSchema);
    res.json({ expression_result: evaluateMetricExpression(input, await clock.now()) });
  }));
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'billable_metric', createBillableMetricSchema);
    res.json({ billable_metric: serializeBillableMetric(await createBillableMetric(db, organizationOf(req).id, input)) });
  }));
  router.put('/:code', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'billable_metric', updateBillableMetricSchema);
    const metric = await updateBillableMetricByCode(db, organizationOf(req).id, String(req.params.code), input);
    res.json({ billable_metric: serializeBillableMetric(metric) });
  }));
  router.get('/:code', handle(async (req, res) => {
    res.json({ billable_metric: serializeBillableMetric(await getBillableMetric(db, organizationOf(req).id, String(req.params.code))) });
  }));
  router.get('/', handle(async (req, res) => {
    const { rows, meta } = await listBillableMetrics(db, organizationOf(req).id, pageFrom(req.query));
    res.json({ billable_metrics: rows.map(serializeBillableMetric), meta });
  }));
  router.delete('/:code', handle(async (req, res) => {
    res.json({ billable_metric: serializeBillableMetric(await deleteBillableMetricByCode(db, organizationOf(req).id, String(req.params.code))) });
  }));
  return router;
}
