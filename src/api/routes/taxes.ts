import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { createTaxSchema, updateTaxSchema } from '../schemas/taxes';
import { serializeTax } from '../../serializers/tax';
import { createTax, deleteTaxByCode, getTax, listTaxes, updateTaxByCode } from '../../services/catalog';
import { pageFrom } from '../pagination';

export function taxesRouter({ db }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'tax', createTaxSchema);
    res.json({ tax: serializeTax(await createTax(db, organizationOf(req).id, input)) });
  }));
  router.put('/:code', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'tax', updateTaxSchema);
    res.json({ tax: serializeTax(await updateTaxByCode(db, organizationOf(req).id, String(req.params.code), input)) });
  }));
  router.get('/:code', handle(async (req, res) => {
    res.json({ tax: serializeTax(await getTax(db, organizationOf(req).id, String(req.params.code))) });
  }));
  router.get('/', handle(async (req, res) => {
    const { rows, meta } = await listTaxes(db, organizationOf(req).id, pageFrom(req.query));
    res.json({ taxes: rows.map(serializeTax), meta });
  }));
  router.delete('/:code', handle(async (req, res) => {
    res.json({ tax: serializeTax(await deleteTaxByCode(db, organizationOf(req).id, String(req.params.code))) });
  }));
  return router;
}
